CREATE INDEX IF NOT EXISTS mns_workflow_name_created ON mastra_workflow_snapshot (workflow_name, "createdAt", run_id);
CREATE INDEX IF NOT EXISTS mns_workflow_resource_created ON mastra_workflow_snapshot ("resourceId", "createdAt", run_id);
CREATE INDEX IF NOT EXISTS mns_workflow_created ON mastra_workflow_snapshot ("createdAt", run_id);
CREATE INDEX IF NOT EXISTS mns_workflow_run_created ON mastra_workflow_snapshot (run_id, "createdAt");
