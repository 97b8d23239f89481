-- The relay deletes an outbox row once the broker acknowledged it, in the statement that reads the next batch: a delete
-- writes no new row version, where marking the row sent wrote one into every index (a new unique key included) and
-- left the row for a prune a minute later; at checkout load that was about half of PostgreSQL's share of what events
-- cost (bench/results/README.md). So every row in the table is unpublished, and the primary key is the relay's index.
DELETE FROM event_outbox WHERE sent_at IS NOT NULL;
DROP INDEX event_outbox_unsent_idx;
DROP INDEX event_outbox_sent_idx;
ALTER TABLE event_outbox DROP COLUMN sent_at;
