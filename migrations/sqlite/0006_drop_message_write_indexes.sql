-- Two message indexes that cost every message save more than they give back. A one-message
-- commit wrote seven WAL pages (the row, the primary key, three message indexes, the thread
-- row and its updatedAt index); without these it writes five.
--
-- @mastra/libsql's (thread_id, "resourceId", "createdAt") serves no query that
-- idx_messages_thread_created_at does not: a thread's messages are read by thread, and a
-- resourceId check on them is a per-row test. @mastra/libsql re-creates it on its own init
-- (IF NOT EXISTS) and runs without it.
--
-- Ours on ("resourceId", "createdAt", id) served only listMessagesByResourceId, which
-- Mastra calls for observational memory alone (not supported by this store). Without it
-- that call scans the messages table, as it does on @mastra/libsql, which never had one.
--
-- Dropping an index changes no data and no answer.
DROP INDEX IF EXISTS idx_messages_thread_resource_created_at;
DROP INDEX IF EXISTS mns_messages_resource_created_id;
