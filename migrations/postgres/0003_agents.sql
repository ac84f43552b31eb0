-- Stored agents as @mastra/pg 1.27 lays them out (with the Z timestamp twins), plus the
-- favourites table its list query joins.
CREATE TABLE IF NOT EXISTS {schema}.mastra_agents (
  id text NOT NULL PRIMARY KEY,
  status text NOT NULL,
  "activeVersionId" text,
  "authorId" text,
  visibility text,
  metadata jsonb,
  "favoriteCount" integer,
  "createdAt" timestamp without time zone NOT NULL,
  "updatedAt" timestamp without time zone NOT NULL,
  "createdAtZ" timestamp with time zone DEFAULT now(),
  "updatedAtZ" timestamp with time zone DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {schema}.mastra_agent_versions (
  id text NOT NULL PRIMARY KEY,
  "agentId" text NOT NULL,
  "versionNumber" integer NOT NULL,
  name text NOT NULL,
  description text,
  instructions text NOT NULL,
  model jsonb NOT NULL,
  tools jsonb,
  "defaultOptions" jsonb,
  workflows jsonb,
  agents jsonb,
  "integrationTools" jsonb,
  "toolProviders" jsonb,
  "inputProcessors" jsonb,
  "outputProcessors" jsonb,
  memory jsonb,
  scorers jsonb,
  "mcpClients" jsonb,
  "requestContextSchema" jsonb,
  workspace jsonb,
  skills jsonb,
  "skillsFormat" text,
  durable jsonb,
  browser jsonb,
  "changedFields" jsonb,
  "changeMessage" text,
  "createdAt" timestamp without time zone NOT NULL,
  "createdAtZ" timestamp with time zone DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {schema}.mastra_favorites (
  "userId" text NOT NULL,
  "entityType" text NOT NULL,
  "entityId" text NOT NULL,
  "createdAt" timestamp without time zone NOT NULL,
  "createdAtZ" timestamp with time zone DEFAULT now(),
  PRIMARY KEY ("userId", "entityType", "entityId")
);
CREATE INDEX IF NOT EXISTS mns_agent_versions_agent_number ON {schema}.mastra_agent_versions ("agentId", "versionNumber");
CREATE INDEX IF NOT EXISTS mns_agents_created_id ON {schema}.mastra_agents ("createdAtZ", id);
CREATE INDEX IF NOT EXISTS mns_agents_updated_id ON {schema}.mastra_agents ("updatedAtZ", id);
