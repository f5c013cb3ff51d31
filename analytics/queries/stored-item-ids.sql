-- Which of a batch's item ids already have their raw row in barometer.items. The scoring service
-- writes raw rows only for the others: a batch redelivered cut differently after a crash between the
-- raw-items and the scores INSERTs would otherwise write those rows again (under another token), and
-- count() on the table would exceed the items until a merge. A point lookup: the table is ordered by id.
SELECT DISTINCT id
FROM barometer.items
WHERE id IN {ids: Array(String)}
