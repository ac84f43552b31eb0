-- @mastra/libsql's (thread_id, "resourceId", "createdAt") index serves no query that
-- idx_messages_thread_created_at does not (a thread's messages are read by thread, and a
-- resourceId check on them is a per-row test), but every message save writes to it: one
-- more WAL page in a one-message commit's seven. @mastra/libsql re-creates it on its own
-- init (IF NOT EXISTS) and runs without it, so dropping it changes no data and no answer.
DROP INDEX IF EXISTS idx_messages_thread_resource_created_at;
