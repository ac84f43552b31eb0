-- The two indexes @mastra/libsql creates (same names, so neither store duplicates them),
-- plus ours, which end in `id` so every list query walks an index in its exact
-- (timestamp, id) order instead of sorting: messages of a thread, messages of a resource
-- (listMessagesByResourceId), threads of a resource and all threads by either timestamp.
CREATE INDEX IF NOT EXISTS idx_messages_thread_created_at ON mastra_messages (thread_id, "createdAt");
CREATE INDEX IF NOT EXISTS idx_messages_thread_resource_created_at ON mastra_messages (thread_id, "resourceId", "createdAt");
CREATE INDEX IF NOT EXISTS mns_messages_thread_created_id ON mastra_messages (thread_id, "createdAt", id);
CREATE INDEX IF NOT EXISTS mns_messages_resource_created_id ON mastra_messages ("resourceId", "createdAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_resource_created_id ON mastra_threads ("resourceId", "createdAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_resource_updated_id ON mastra_threads ("resourceId", "updatedAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_created_id ON mastra_threads ("createdAt", id);
CREATE INDEX IF NOT EXISTS mns_threads_updated_id ON mastra_threads ("updatedAt", id);
