-- The two indexes @mastra/libsql creates (same names, so neither store duplicates them;
-- the first serves a thread's messages in (createdAt, id) order, SQLite sorting only
-- equal-createdAt runs), plus ours, ending in `id`: messages of a resource
-- (listMessagesByResourceId), threads of a resource by either timestamp, all threads by
-- creation. No global index on threads' updatedAt: every message save bumps it, and a
-- listing of all threads by updatedAt is rare enough to sort.
-- Version 5 (0006) drops the second libsql index and our messages-of-a-resource index
-- again: they cost every message save more than they gave back.
CREATE INDEX IF NOT EXISTS idx_messages_thread_created_at ON mastra_messages (thread_id, "createdAt");
CREATE INDEX IF NOT EXISTS idx_messages_thread_resource_created_at ON mastra_messages (thread_id, "resourceId", "createdAt");
CREATE INDEX IF NOT EXISTS mns_messages_resource_created_id ON mastra_messages ("resourceId", "createdAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_resource_created_id ON mastra_threads ("resourceId", "createdAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_resource_updated_id ON mastra_threads ("resourceId", "updatedAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_created_id ON mastra_threads ("createdAt", id);
