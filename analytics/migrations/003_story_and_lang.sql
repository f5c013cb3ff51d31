-- Story ids (near-duplicate groups, so an index can count a syndicated story once) and the detected
-- language of each item; rows written before this migration get their own id as story and `und`.
ALTER TABLE barometer.scored_items
    ADD COLUMN IF NOT EXISTS story_id String DEFAULT id AFTER assets,
    ADD COLUMN IF NOT EXISTS lang LowCardinality(String) DEFAULT 'und' AFTER story_id;

-- A view's column list is fixed when it is created, so the analysts' view is rebuilt to show them.
CREATE OR REPLACE VIEW barometer.scored_items_v AS
SELECT * FROM barometer.scored_items FINAL
