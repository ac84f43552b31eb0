-- Memory tables laid out exactly as @mastra/pg 1.27 creates them (timestamps twice: the
-- plain column holds UTC wall time, the Z twin the instant), so a schema written by either
-- store is used in place by the other. {schema} is the checked, quoted schema name.
CREATE TABLE IF NOT EXISTS {schema}.mastra_threads (
  id text NOT NULL PRIMARY KEY,
  "resourceId" text NOT NULL,
  title text NOT NULL,
  metadata jsonb,
  "createdAt" timestamp without time zone NOT NULL,
  "updatedAt" timestamp without time zone NOT NULL,
  "createdAtZ" timestamp with time zone DEFAULT now(),
  "updatedAtZ" timestamp with time zone DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {schema}.mastra_messages (
  id text NOT NULL PRIMARY KEY,
  thread_id text NOT NULL,
  content text NOT NULL,
  role text NOT NULL,
  type text NOT NULL,
  "createdAt" timestamp without time zone NOT NULL,
  "resourceId" text,
  "createdAtZ" timestamp with time zone DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {schema}.mastra_resources (
  id text NOT NULL PRIMARY KEY,
  "workingMemory" text,
  metadata jsonb,
  "createdAt" timestamp without time zone NOT NULL,
  "updatedAt" timestamp without time zone NOT NULL,
  "createdAtZ" timestamp with time zone DEFAULT now(),
  "updatedAtZ" timestamp with time zone DEFAULT now()
);
-- Older @mastra/pg schemas predate these columns.
ALTER TABLE {schema}.mastra_messages ADD COLUMN IF NOT EXISTS "resourceId" text;
ALTER TABLE {schema}.mastra_messages ADD COLUMN IF NOT EXISTS "createdAtZ" timestamp with time zone DEFAULT now();
ALTER TABLE {schema}.mastra_threads ADD COLUMN IF NOT EXISTS "createdAtZ" timestamp with time zone DEFAULT now();
ALTER TABLE {schema}.mastra_threads ADD COLUMN IF NOT EXISTS "updatedAtZ" timestamp with time zone DEFAULT now();
ALTER TABLE {schema}.mastra_resources ADD COLUMN IF NOT EXISTS "createdAtZ" timestamp with time zone DEFAULT now();
ALTER TABLE {schema}.mastra_resources ADD COLUMN IF NOT EXISTS "updatedAtZ" timestamp with time zone DEFAULT now();
-- Our indexes end in id so every list walks an index in its exact (instant, id) order.
-- Version 4 (0004) drops the messages-of-a-resource one: it cost every save more than it gave.
CREATE INDEX IF NOT EXISTS mns_messages_thread_created_id ON {schema}.mastra_messages (thread_id, "createdAtZ", id);
CREATE INDEX IF NOT EXISTS mns_messages_resource_created_id ON {schema}.mastra_messages ("resourceId", "createdAtZ", id);
CREATE INDEX IF NOT EXISTS mns_threads_resource_created_id ON {schema}.mastra_threads ("resourceId", "createdAtZ", id);
CREATE INDEX IF NOT EXISTS mns_threads_resource_updated_id ON {schema}.mastra_threads ("resourceId", "updatedAtZ", id);
CREATE INDEX IF NOT EXISTS mns_threads_created_id ON {schema}.mastra_threads ("createdAtZ", id);
