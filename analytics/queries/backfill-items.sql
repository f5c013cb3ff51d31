-- A page of raw items published in [from, to) that have no score row yet under model_version (live or
-- shadow), in (published_at, id) order after a keyset cursor: what `npm run backfill` rescores. Leaving
-- out what that version already scored makes a rerun write nothing and never doubles a version's rows.
SELECT id, title, url, source, source_kind, published_at, ingested_at, assets, story_id, lang
FROM barometer.items FINAL
WHERE published_at >= {from: DateTime64(3)}
  AND published_at < {to: DateTime64(3)}
  AND (published_at, id) > ({after_published: DateTime64(3)}, {after_id: String})
  AND id NOT IN (
      SELECT id FROM barometer.scores
      WHERE model_version = {model_version: String} AND published_at >= {from: DateTime64(3)} AND published_at < {to: DateTime64(3)}
  )
ORDER BY published_at, id
LIMIT {limit: UInt32}
