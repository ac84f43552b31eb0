//! The napi surface: `NativeDb` (open, init, close) and one class per domain. Methods are
//! `async` on cloned pool handles, so no call blocks the Node event loop; open-ended data
//! crosses as JSON strings.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::config::{parse_url, Target};
use crate::db::{Db, OpenOptions};
use crate::domains::agents::Agents;
use crate::domains::clean_input;
use crate::domains::memory::Memory;
use crate::domains::workflows::Workflows;

/// Options for opening a database.
#[napi(object)]
#[derive(Default)]
pub struct NativeOpenOptions {
    /// Most pooled connections (SQLite file default 4, `:memory:` always 1, PostgreSQL 10).
    pub max_connections: Option<u32>,
    /// How long a SQLite write waits for the lock before SQLITE_BUSY, in ms (default 5000).
    pub busy_timeout_ms: Option<u32>,
    /// PostgreSQL schema for the tables (default `public`; created if missing).
    pub schema_name: Option<String>,
    /// PostgreSQL: close connections idle this long, in ms (default 10000).
    pub idle_timeout_ms: Option<u32>,
    /// How long to wait for a connection, in ms (default 10000 for PostgreSQL).
    pub connection_timeout_ms: Option<u32>,
}

/// Which backend a URL selects, without opening it: `sqlite-file`, `sqlite-memory` or
/// `postgres`. Throws `[INVALID_ARGUMENT] …` for a URL no backend accepts.
#[napi]
pub fn backend_of_url(url: String) -> Result<String> {
    Ok(match parse_url(&url)? {
        Target::SqliteFile(_) => "sqlite-file",
        Target::SqliteMemory => "sqlite-memory",
        Target::Postgres(_) => "postgres",
    }
    .to_string())
}

/// An open database shared by all domains of one store.
#[napi]
pub struct NativeDb {
    db: Db,
}

#[napi]
impl NativeDb {
    /// Open the database a URL names (`file:PATH`, `sqlite://PATH`, `:memory:`, …).
    #[napi(factory)]
    pub async fn open(url: String, options: Option<NativeOpenOptions>) -> Result<NativeDb> {
        let o = options.unwrap_or_default();
        let opts = OpenOptions {
            max_connections: o.max_connections,
            busy_timeout_ms: o.busy_timeout_ms,
            schema_name: o.schema_name,
            idle_timeout_ms: o.idle_timeout_ms,
            connection_timeout_ms: o.connection_timeout_ms,
        };
        Ok(NativeDb { db: Db::open(&url, &opts).await? })
    }

    /// Apply pending schema migrations (a warm call is one query). Safe to call
    /// concurrently and from several processes.
    #[napi]
    pub async fn init(&self) -> Result<()> {
        Ok(self.db.init().await?)
    }

    /// Release every connection. Idempotent; later calls fail with `[CLOSED]`.
    #[napi]
    pub async fn close(&self) -> Result<()> {
        self.db.close().await;
        Ok(())
    }

    /// The memory domain (threads, messages, resources) of this database.
    #[napi]
    pub fn memory(&self) -> NativeMemory {
        NativeMemory { inner: Memory::new(self.db.clone()) }
    }

    /// The workflows domain (workflow run snapshots) of this database.
    #[napi]
    pub fn workflows(&self) -> NativeWorkflows {
        NativeWorkflows { inner: Workflows::new(self.db.clone()) }
    }

    /// The stored-agents domain (agents and their versions) of this database.
    #[napi]
    pub fn agents(&self) -> NativeAgents {
        NativeAgents { inner: Agents::new(self.db.clone()) }
    }

    /// Which engine this database is: `sqlite` or `postgres`.
    #[napi(getter)]
    pub fn engine(&self) -> String {
        if self.db.dialect().is_pg() { "postgres" } else { "sqlite" }.to_string()
    }
}

/// Mastra's memory domain. Arguments and results are JSON text shaped like the matching
/// `MemoryStorage` method's; dates are ISO strings.
#[napi]
pub struct NativeMemory {
    inner: Memory,
}

#[napi]
impl NativeMemory {
    /// A thread as JSON, or null when missing (or owned by another resource).
    #[napi]
    pub async fn get_thread_by_id(&self, thread_id: String, resource_id: Option<String>) -> Result<Option<String>> {
        Ok(self.inner.get_thread(&thread_id, resource_id.as_deref()).await?)
    }

    /// Insert or replace a thread (`StorageThreadType` JSON).
    #[napi]
    pub async fn save_thread(&self, thread_json: String) -> Result<()> {
        Ok(self.inner.save_thread(&clean_input(thread_json)).await?)
    }

    /// Partial update: title when given, metadata merged. Returns the thread JSON.
    #[napi]
    pub async fn update_thread(&self, id: String, title: Option<String>, metadata_json: Option<String>) -> Result<String> {
        Ok(self.inner.update_thread(&id, title.as_deref(), metadata_json.map(clean_input).as_deref()).await?)
    }

    /// Delete a thread and its messages.
    #[napi]
    pub async fn delete_thread(&self, thread_id: String) -> Result<()> {
        Ok(self.inner.delete_thread(&thread_id).await?)
    }

    /// `StorageListThreadsInput` JSON in, `StorageListThreadsOutput` JSON out.
    #[napi]
    pub async fn list_threads(&self, args_json: String) -> Result<String> {
        Ok(self.inner.list_threads(&clean_input(args_json)).await?)
    }

    /// Upsert a batch of messages (JSON array) in one transaction.
    #[napi]
    pub async fn save_messages(&self, messages_json: String) -> Result<()> {
        Ok(self.inner.save_messages(&clean_input(messages_json)).await?)
    }

    /// `StorageListMessagesInput` JSON in, `StorageListMessagesOutput` JSON out.
    #[napi]
    pub async fn list_messages(&self, args_json: String) -> Result<String> {
        Ok(self.inner.list_messages(&clean_input(args_json)).await?)
    }

    /// `StorageListMessagesByResourceIdInput` JSON in, `StorageListMessagesOutput` JSON out.
    #[napi]
    pub async fn list_messages_by_resource_id(&self, args_json: String) -> Result<String> {
        Ok(self.inner.list_messages_by_resource(&clean_input(args_json)).await?)
    }

    /// A JSON array of ids in, a JSON array of messages (createdAt ascending) out.
    #[napi]
    pub async fn list_messages_by_id(&self, ids_json: String) -> Result<String> {
        Ok(self.inner.list_messages_by_id(&clean_input(ids_json)).await?)
    }

    /// A JSON array of partial messages (each with `id`) in; the updated messages out.
    #[napi]
    pub async fn update_messages(&self, patches_json: String) -> Result<String> {
        Ok(self.inner.update_messages(&clean_input(patches_json)).await?)
    }

    /// Delete messages by id (JSON array); with `threadId`, only those in that thread.
    #[napi]
    pub async fn delete_messages(&self, ids_json: String, thread_id: Option<String>) -> Result<()> {
        Ok(self.inner.delete_messages(&clean_input(ids_json), thread_id.as_deref()).await?)
    }

    /// A resource as JSON, or null.
    #[napi]
    pub async fn get_resource_by_id(&self, resource_id: String) -> Result<Option<String>> {
        Ok(self.inner.get_resource(&resource_id).await?)
    }

    /// Insert or replace a resource (`StorageResourceType` JSON).
    #[napi]
    pub async fn save_resource(&self, resource_json: String) -> Result<()> {
        Ok(self.inner.save_resource(&clean_input(resource_json)).await?)
    }

    /// `{ resourceId, workingMemory?, metadata? }` JSON in; the resource JSON out.
    #[napi]
    pub async fn update_resource(&self, args_json: String) -> Result<String> {
        Ok(self.inner.update_resource(&clean_input(args_json)).await?)
    }

    /// `StorageCloneThreadInput` JSON in; `{ thread, messageIdMap }` JSON out.
    #[napi]
    pub async fn copy_thread(&self, args_json: String) -> Result<String> {
        Ok(self.inner.copy_thread(&clean_input(args_json)).await?)
    }

    /// Move a thread and all its messages to another resource; the thread JSON out.
    #[napi]
    pub async fn update_thread_resource_id(&self, thread_id: String, resource_id: String) -> Result<String> {
        Ok(self.inner.update_thread_resource_id(&thread_id, &resource_id).await?)
    }

    /// Delete every thread, message and resource.
    #[napi]
    pub async fn dangerously_clear_all(&self) -> Result<()> {
        Ok(self.inner.clear_all().await?)
    }
}

/// A page of workflow runs: the runs as JSON without snapshots, and the snapshots apart.
#[napi(object)]
pub struct WorkflowRunsPage {
    /// `{ runs, total }` JSON; each run lacks `snapshot`.
    pub runs: String,
    /// Each run's snapshot as JSON text (null when the row has none), in run order.
    pub snapshots: Vec<Option<String>>,
}

/// Mastra's workflows domain. Arguments and results are JSON text shaped like the matching
/// `WorkflowsStorage` method's; dates are ISO strings.
#[napi]
pub struct NativeWorkflows {
    inner: Workflows,
}

#[napi]
impl NativeWorkflows {
    /// Upsert a run snapshot (`{ workflowName, runId, resourceId?, snapshot, createdAt?, updatedAt? }`).
    #[napi]
    pub async fn persist_workflow_snapshot(&self, args_json: String) -> Result<()> {
        Ok(self.inner.persist(&clean_input(args_json)).await?)
    }

    /// The stored snapshot JSON, or null.
    #[napi]
    pub async fn load_workflow_snapshot(&self, workflow_name: String, run_id: String) -> Result<Option<String>> {
        Ok(self.inner.load(&workflow_name, &run_id).await?)
    }

    /// The newest run with this id (in this workflow when named) as `WorkflowRun` JSON, or null.
    #[napi]
    pub async fn get_workflow_run_by_id(&self, run_id: String, workflow_name: Option<String>) -> Result<Option<String>> {
        Ok(self.inner.get_run(&run_id, workflow_name.as_deref()).await?)
    }

    /// The newest run with this id as `WorkflowState` JSON holding only the requested
    /// optional parts (`fields`: result, error, payload, steps, activeStepsPath,
    /// serializedStepGraph, suspendedPaths, resumeLabels, waitingPaths, all of them when
    /// absent; requestContext and tracingContext only when named).
    #[napi]
    pub async fn get_workflow_state(&self, run_id: String, fields: Option<Vec<String>>) -> Result<Option<String>> {
        Ok(self.inner.get_state(&run_id, fields).await?)
    }

    /// Delete a run; without a workflow name, every run with that id.
    #[napi]
    pub async fn delete_workflow_run_by_id(&self, run_id: String, workflow_name: Option<String>) -> Result<()> {
        Ok(self.inner.delete_run(&run_id, workflow_name.as_deref()).await?)
    }

    /// `StorageListWorkflowRunsInput` JSON in; `{ runs, total }` JSON without the snapshots,
    /// plus the snapshots' JSON texts in run order (parsed by JS only when read).
    #[napi]
    pub async fn list_workflow_runs(&self, args_json: String) -> Result<WorkflowRunsPage> {
        let (runs, snapshots) = self.inner.list_runs(&clean_input(args_json)).await?;
        Ok(WorkflowRunsPage { runs, snapshots })
    }

    /// Atomically merge one step's result; returns the snapshot's context JSON.
    #[napi]
    pub async fn update_workflow_results(&self, args_json: String) -> Result<String> {
        Ok(self.inner.update_results(&clean_input(args_json)).await?)
    }

    /// Atomically merge state into the snapshot (compare-and-set with `opts.expectedStatus`);
    /// the updated snapshot JSON, or null when the run is missing or the status did not match.
    #[napi]
    pub async fn update_workflow_state(&self, args_json: String) -> Result<Option<String>> {
        Ok(self.inner.update_state(&clean_input(args_json)).await?)
    }

    /// Delete every workflow run.
    #[napi]
    pub async fn dangerously_clear_all(&self) -> Result<()> {
        Ok(self.inner.clear_all().await?)
    }
}

/// Mastra's stored-agents domain. Arguments and results are JSON text shaped like the
/// matching `AgentsStorage` method's; dates are ISO strings.
#[napi]
pub struct NativeAgents {
    inner: Agents,
}

#[napi]
impl NativeAgents {
    /// The thin agent record JSON, or null.
    #[napi]
    pub async fn get_by_id(&self, id: String) -> Result<Option<String>> {
        Ok(self.inner.get_by_id(&id).await?)
    }

    /// Create the thin record (draft) and version 1 from a `StorageCreateAgentInput`; the
    /// thin record out. `inputKeys`: the input's own keys (`Object.keys`), undefined-valued
    /// ones included, which version 1 lists as its changed fields.
    #[napi]
    pub async fn create(&self, agent_json: String, input_keys: Option<Vec<String>>) -> Result<String> {
        Ok(self.inner.create(&clean_input(agent_json), input_keys).await?)
    }

    /// Update thin-record fields (metadata merged); the thin record out.
    #[napi]
    pub async fn update(&self, input_json: String) -> Result<String> {
        Ok(self.inner.update(&clean_input(input_json)).await?)
    }

    /// Delete an agent and all its versions.
    #[napi]
    pub async fn delete(&self, id: String) -> Result<()> {
        Ok(self.inner.delete(&id).await?)
    }

    /// `StorageListAgentsInput` JSON in, `{ agents, total, page, perPage, hasMore }` JSON out.
    #[napi]
    pub async fn list(&self, args_json: String) -> Result<String> {
        Ok(self.inner.list(&clean_input(args_json)).await?)
    }

    /// Store a version (`CreateVersionInput` JSON); returns its createdAt.
    #[napi]
    pub async fn create_version(&self, input_json: String) -> Result<String> {
        Ok(self.inner.create_version(&clean_input(input_json)).await?)
    }

    /// A version JSON, or null.
    #[napi]
    pub async fn get_version(&self, id: String) -> Result<Option<String>> {
        Ok(self.inner.get_version(&id).await?)
    }

    /// A JSON array of ids in, a JSON array of the versions found out.
    #[napi]
    pub async fn get_versions(&self, ids_json: String) -> Result<String> {
        Ok(self.inner.get_versions(&clean_input(ids_json)).await?)
    }

    /// An agent's version by number, or null.
    #[napi]
    pub async fn get_version_by_number(&self, agent_id: String, version_number: i64) -> Result<Option<String>> {
        Ok(self.inner.get_version_by_number(&agent_id, version_number).await?)
    }

    /// An agent's highest-numbered version, or null.
    #[napi]
    pub async fn get_latest_version(&self, agent_id: String) -> Result<Option<String>> {
        Ok(self.inner.get_latest_version(&agent_id).await?)
    }

    /// `ListVersionsInput` JSON in, `{ versions, total, page, perPage, hasMore }` JSON out.
    #[napi]
    pub async fn list_versions(&self, args_json: String) -> Result<String> {
        Ok(self.inner.list_versions(&clean_input(args_json)).await?)
    }

    /// Delete one version.
    #[napi]
    pub async fn delete_version(&self, id: String) -> Result<()> {
        Ok(self.inner.delete_version(&id).await?)
    }

    /// Delete every version of an agent.
    #[napi]
    pub async fn delete_versions_by_parent_id(&self, agent_id: String) -> Result<()> {
        Ok(self.inner.delete_versions_by_parent(&agent_id).await?)
    }

    /// How many versions an agent has.
    #[napi]
    pub async fn count_versions(&self, agent_id: String) -> Result<i64> {
        Ok(self.inner.count_versions(&agent_id).await?)
    }

    /// Delete every agent and version.
    #[napi]
    pub async fn dangerously_clear_all(&self) -> Result<()> {
        Ok(self.inner.clear_all().await?)
    }
}
