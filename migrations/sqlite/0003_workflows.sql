-- Workflow run snapshots, laid out exactly as @mastra/libsql 1.23 creates the table (no
-- primary key; one row per (workflow_name, run_id)), plus indexes for listWorkflowRuns by
-- workflow, by resource and overall (all newest first) and for lookups by run id alone.
CREATE TABLE IF NOT EXISTS mastra_workflow_snapshot (
  "workflow_name" TEXT,
  "run_id" TEXT,
  "resourceId" TEXT,
  "snapshot" TEXT,
  "createdAt" TEXT,
  "updatedAt" TEXT,
  UNIQUE (workflow_name, run_id)
);
