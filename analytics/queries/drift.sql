-- Drift of one feature between a reference window and a current window of live-model scores, as the
-- per-bucket shares the population stability index is computed from. Features: `label` (the predicted
-- class) and `length` (title length in words, bucketed 1–5, 6–10, 11–15, 16–20, 21–30, 31+).
SELECT
    bucket,
    countIf(published_at >= {ref_start: DateTime64(3, 'UTC')} AND published_at < {ref_end: DateTime64(3, 'UTC')}) AS ref_n,
    countIf(published_at >= {cur_start: DateTime64(3, 'UTC')} AND published_at < {cur_end: DateTime64(3, 'UTC')}) AS cur_n
FROM
(
    SELECT
        published_at,
        if({feature: String} = 'label', toString(label),
           multiIf(w <= 5, '01-05', w <= 10, '06-10', w <= 15, '11-15', w <= 20, '16-20', w <= 30, '21-30', '31+')) AS bucket
    FROM
    (
        SELECT published_at, label, length(splitByWhitespace(title)) AS w
        FROM barometer.scores FINAL
        WHERE shadow = 0
          AND ((published_at >= {ref_start: DateTime64(3, 'UTC')} AND published_at < {ref_end: DateTime64(3, 'UTC')})
            OR (published_at >= {cur_start: DateTime64(3, 'UTC')} AND published_at < {cur_end: DateTime64(3, 'UTC')}))
    )
)
GROUP BY bucket
ORDER BY bucket
