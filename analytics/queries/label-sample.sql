-- The labeling sampler: from the live model's items scored since `since`, the most uncertain ones
-- (entropy, or least confidence 1 - max p), one per story (near-duplicates are sampled once), none
-- already labeled or queued, balanced across assets and sources: items are ranked by uncertainty
-- within their asset and within their source, and taken by the worse of the two ranks, so no single
-- asset or outlet fills the queue.
SELECT id, uncertainty
FROM
(
    SELECT
        id,
        uncertainty,
        row_number() OVER (PARTITION BY asset_key ORDER BY uncertainty DESC, id) AS rank_asset,
        row_number() OVER (PARTITION BY source ORDER BY uncertainty DESC, id)    AS rank_source
    FROM
    (
        SELECT
            argMax(id, u)                                   AS id,
            max(u)                                          AS uncertainty,
            argMax(if(empty(assets), '', assets[1]), u)     AS asset_key,
            argMax(source, u)                               AS source
        FROM
        (
            SELECT id, story_id, assets, source,
                   if({strategy: String} = 'least_confidence', 1 - greatest(negative, neutral, positive), entropy) AS u
            FROM barometer.scores FINAL
            WHERE shadow = 0
              AND scored_at >= {since: DateTime64(3, 'UTC')}
              AND id NOT IN (SELECT id FROM barometer.labels)
              AND id NOT IN (SELECT id FROM barometer.label_queue)
        )
        GROUP BY story_id
    )
)
ORDER BY greatest(rank_asset, rank_source), uncertainty DESC, id
LIMIT {limit: UInt32}
