-- Every model version that has scored rows, live or shadow, with how many and when: the choices of the
-- dashboard's model comparison (GET /api/v1/models).
SELECT
    model_version,
    shadow = 1                     AS shadow,
    count()                        AS rows,
    min(scored_at)                 AS first_scored_at,
    max(scored_at)                 AS last_scored_at
FROM barometer.scores
GROUP BY model_version, shadow
ORDER BY last_scored_at DESC, model_version
