-- A thread's messages are read in ("createdAt", id) order: a page is the newest (or oldest)
-- N by that pair, and an include window is a range of it. @mastra/libsql's index, on
-- (thread_id, "createdAt") alone, left SQLite to look up every message of the thread in the
-- table for its id and to sort them in a temporary b-tree before the LIMIT applied: for
-- the newest 40 of a 100-message thread, 100 row lookups and a sort. With id as the last
-- column the index holds the order itself, and a page reads just its own entries.
-- (PostgreSQL has had this index, mns_messages_thread_created_id, from its first version.)
--
-- It keeps @mastra/libsql's name, so that store's init (CREATE INDEX IF NOT EXISTS) finds
-- it and does not add a second index that every message save would then have to write.
-- Its own queries (WHERE thread_id = ? ORDER BY "createdAt") use the wider index the same
-- way. Re-creating an index changes no data and no answer.
DROP INDEX IF EXISTS idx_messages_thread_created_at;
CREATE INDEX idx_messages_thread_created_at ON mastra_messages (thread_id, "createdAt", id);
