-- Stored agents: the thin record and its versions, as @mastra/libsql 1.23 lays them out,
-- plus the favourites table its list query joins for pinFavoritedFor / favoritedOnly.
CREATE TABLE IF NOT EXISTS mastra_agents (
  "id" TEXT NOT NULL PRIMARY KEY,
  "status" TEXT NOT NULL,
  "activeVersionId" TEXT,
  "authorId" TEXT,
  "visibility" TEXT,
  "metadata" TEXT,
  "favoriteCount" INTEGER,
  "createdAt" TEXT NOT NULL,
  "updatedAt" TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mastra_agent_versions (
  "id" TEXT NOT NULL PRIMARY KEY,
  "agentId" TEXT NOT NULL,
  "versionNumber" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "description" TEXT,
  "instructions" TEXT NOT NULL,
  "model" TEXT NOT NULL,
  "tools" TEXT,
  "defaultOptions" TEXT,
  "workflows" TEXT,
  "agents" TEXT,
  "integrationTools" TEXT,
  "toolProviders" TEXT,
  "inputProcessors" TEXT,
  "outputProcessors" TEXT,
  "memory" TEXT,
  "scorers" TEXT,
  "mcpClients" TEXT,
  "requestContextSchema" TEXT,
  "workspace" TEXT,
  "skills" TEXT,
  "skillsFormat" TEXT,
  "durable" TEXT,
  "browser" TEXT,
  "changedFields" TEXT,
  "changeMessage" TEXT,
  "createdAt" TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mastra_favorites (
  "userId" TEXT NOT NULL,
  "entityType" TEXT NOT NULL,
  "entityId" TEXT NOT NULL,
  "createdAt" TEXT NOT NULL,
  PRIMARY KEY ("userId", "entityType", "entityId")
);
CREATE INDEX IF NOT EXISTS mns_agent_versions_agent_number ON mastra_agent_versions ("agentId", "versionNumber");
CREATE INDEX IF NOT EXISTS mns_agents_created_id ON mastra_agents ("createdAt", id);
CREATE INDEX IF NOT EXISTS mns_agents_updated_id ON mastra_agents ("updatedAt", id);
