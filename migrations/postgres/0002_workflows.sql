-- Workflow run snapshots as @mastra/pg lays them out, with its constraint name, so its
-- init recognises the constraint; plus our indexes for listWorkflowRuns and run lookups.
CREATE TABLE IF NOT EXISTS {schema}.mastra_workflow_snapshot (
  workflow_name text NOT NULL,
  run_id text NOT NULL,
  "resourceId" text,
  snapshot jsonb NOT NULL,
  "createdAt" timestamp without time zone NOT NULL,
  "updatedAt" timestamp without time zone NOT NULL,
  "createdAtZ" timestamp with time zone DEFAULT now(),
  "updatedAtZ" timestamp with time zone DEFAULT now(),
  CONSTRAINT {schema_raw}_mastra_workflow_snapshot_workflow_name_run_id_key UNIQUE (workflow_name, run_id)
);
ALTER TABLE {schema}.mastra_workflow_snapshot ADD COLUMN IF NOT EXISTS "resourceId" text;
ALTER TABLE {schema}.mastra_workflow_snapshot ADD COLUMN IF NOT EXISTS "createdAtZ" timestamp with time zone DEFAULT now();
ALTER TABLE {schema}.mastra_workflow_snapshot ADD COLUMN IF NOT EXISTS "updatedAtZ" timestamp with time zone DEFAULT now();
CREATE INDEX IF NOT EXISTS mns_workflow_name_created ON {schema}.mastra_workflow_snapshot (workflow_name, "createdAtZ", run_id);
CREATE INDEX IF NOT EXISTS mns_workflow_resource_created ON {schema}.mastra_workflow_snapshot ("resourceId", "createdAtZ", run_id);
CREATE INDEX IF NOT EXISTS mns_workflow_created ON {schema}.mastra_workflow_snapshot ("createdAtZ", run_id);
CREATE INDEX IF NOT EXISTS mns_workflow_run_created ON {schema}.mastra_workflow_snapshot (run_id, "createdAtZ");
