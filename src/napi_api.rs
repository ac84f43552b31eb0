//! The napi surface: `NativeDb` (open, init, close) and one class per domain; open-ended
//! data crosses as JSON strings. Every domain method goes through `dispatch`: on SQLite it
//! first runs the operation right here on the Node thread, which returns the value itself
//! when nothing had to wait; otherwise (PostgreSQL, a connection or the write lock busy, a
//! large input) it returns a Promise of the pool's tokio threads. JS awaits either alike.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use napi::bindgen_prelude::*;
use napi::JsDeferred;
use napi_derive::napi;

use crate::config::{parse_url, Target};
use crate::db::{Db, OpenOptions};
use crate::domains::agents::Agents;
use crate::db::sqlite::SyncAttempt;
use crate::domains::{ascii_json, clean_input};
use crate::domains::memory::Memory;
use crate::domains::workflows::Workflows;
use crate::error::StoreError;

/// Inputs larger than this always run on the pool: their work dwarfs a thread hop, and
/// the event loop should not stall for it (a 500-message batch takes milliseconds).
const SYNC_INPUT_LIMIT: usize = 64 * 1024;

/// JSON text for JS, made ASCII (see `ascii_json`) so V8 takes it in as a one-byte string.
pub struct Json(String);

impl Json {
    fn new(s: String) -> Json {
        Json(ascii_json(s))
    }
}

impl TypeName for Json {
    fn type_name() -> &'static str {
        "String"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let mut out = std::ptr::null_mut();
        // SAFETY: ASCII is valid Latin-1; V8 copies the bytes before this returns.
        check_status!(
            unsafe { sys::napi_create_string_latin1(env, val.0.as_ptr().cast(), val.0.len() as isize, &mut out) },
            "creating a JSON string"
        )?;
        Ok(out)
    }
}

impl FromNapiValue for Json {
    unsafe fn from_napi_value(env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        Ok(Json(unsafe { String::from_napi_value(env, v) }?))
    }
}

/// A domain method's result: the value (the operation completed on the Node thread) or a
/// Promise of it (it continues on the pool).
pub enum Outcome<T> {
    Ready(T),
    Pending(sys::napi_value),
}

impl<T: ToNapiValue> ToNapiValue for Outcome<T> {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        match val {
            Outcome::Ready(v) => unsafe { T::to_napi_value(env, v) },
            Outcome::Pending(p) => Ok(p),
        }
    }
}

type StoreResult<T> = crate::error::Result<T>;

/// Where an operation starts: its first poll on the Node thread or on the pool.
#[derive(Clone, Copy, PartialEq)]
enum Start {
    /// SQLite, small input: complete it on this thread if nothing has to wait.
    Here,
    /// PostgreSQL, small input: send the statement from this thread, finish on the pool.
    HereThenPool,
    /// A large input: all of it on the pool.
    Pool,
}

/// Run one domain operation. `make` builds it (again, for a retry). With `Start::Here`
/// (SQLite and a small input) the operation is polled once on this thread: SQLite answers
/// in microseconds, so a read or an uncontended write completes inside that poll and the
/// value goes straight back, without the two thread hand-offs (tokio task, then the
/// threadsafe-function wake-up of the event loop) that cost more than the statement. An
/// operation that has to wait for a connection or for this process's write lock is handed,
/// as it is, to the pool; one that met another process's write lock (it fails fast, see
/// `SyncAttempt`, having written nothing) runs again there, where waiting is harmless.
/// With `Start::HereThenPool` see `start_here`.
fn dispatch<T, F, Fut>(env: &Env, start: Start, make: F) -> Result<Outcome<T>>
where
    T: ToNapiValue + Send + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = StoreResult<T>> + Send + 'static,
{
    match start {
        Start::Here => {
            let mut fut = Box::pin(make());
            let polled = {
                let _attempt = SyncAttempt::enter();
                fut.as_mut().poll(&mut Context::from_waker(Waker::noop()))
            };
            match polled {
                Poll::Ready(Ok(v)) => return Ok(Outcome::Ready(v)),
                Poll::Ready(Err(e)) if is_busy(&e) => {}
                Poll::Ready(Err(e)) => return Err(e.into()),
                Poll::Pending => return spawn(env, fut),
            }
            spawn(env, Box::pin(make()))
        }
        Start::HereThenPool => start_here(env, Box::pin(make())),
        Start::Pool => spawn(env, Box::pin(make())),
    }
}

/// What JS gets when an operation started here finishes on the pool.
type Resolver<T> = Box<dyn FnOnce(Env) -> Result<T> + Send>;

/// PostgreSQL: poll the operation once on this thread (inside the runtime's context), so
/// its statement is on the wire before this call returns, and give it to the pool only
/// when the server's answer wakes it. Spawning from the Node thread would wake a pool
/// thread just to send the statement, and again for the answer: one thread hand-off per
/// call saved. The wake-up comes on a pool thread (the one watching the socket), which
/// then runs the rest of the operation itself.
fn start_here<T, Fut>(env: &Env, mut fut: Pin<Box<Fut>>) -> Result<Outcome<T>>
where
    T: ToNapiValue + Send + 'static,
    Fut: Future<Output = StoreResult<T>> + Send + 'static,
{
    let handoff = Arc::new(Handoff::<T, Fut> { state: std::sync::Mutex::new(HandoffState::Polling { woken: false }) });
    let waker = Waker::from(handoff.clone());
    let polled = within_runtime_if_available(|| fut.as_mut().poll(&mut Context::from_waker(&waker)));
    match polled {
        Poll::Ready(Ok(v)) => Ok(Outcome::Ready(v)),
        Poll::Ready(Err(e)) => Err(e.into()),
        Poll::Pending => {
            let (deferred, promise) = env.create_deferred::<T, Resolver<T>>()?;
            let mut state = handoff.state.lock().unwrap();
            if matches!(*state, HandoffState::Polling { woken: true }) {
                // Woken while we were still polling: nobody else will hand it over.
                *state = HandoffState::Gone;
                drop(state);
                finish_on_pool(fut, deferred);
            } else {
                *state = HandoffState::Parked(fut, deferred);
            }
            Ok(Outcome::Pending(promise.raw()))
        }
    }
}

fn finish_on_pool<T, Fut>(fut: Pin<Box<Fut>>, deferred: JsDeferred<T, Resolver<T>>)
where
    T: ToNapiValue + Send + 'static,
    Fut: Future<Output = StoreResult<T>> + Send + 'static,
{
    napi::bindgen_prelude::spawn(async move {
        match fut.await {
            Ok(v) => deferred.resolve(Box::new(move |_| Ok(v))),
            Err(e) => deferred.reject(e.into()),
        }
    });
}

/// The waker of an operation started on the Node thread: its first wake-up hands the
/// operation to the pool.
struct Handoff<T: ToNapiValue, Fut> {
    state: std::sync::Mutex<HandoffState<T, Fut>>,
}

enum HandoffState<T: ToNapiValue, Fut> {
    /// The Node thread is polling it (or has not parked it yet).
    Polling { woken: bool },
    Parked(Pin<Box<Fut>>, JsDeferred<T, Resolver<T>>),
    /// Handed to the pool, whose task has a waker of its own.
    Gone,
}

impl<T, Fut> std::task::Wake for Handoff<T, Fut>
where
    T: ToNapiValue + Send + 'static,
    Fut: Future<Output = StoreResult<T>> + Send + 'static,
{
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.lock().unwrap();
        match std::mem::replace(&mut *state, HandoffState::Gone) {
            HandoffState::Polling { .. } => *state = HandoffState::Polling { woken: true },
            HandoffState::Parked(fut, deferred) => {
                drop(state);
                finish_on_pool(fut, deferred);
            }
            HandoffState::Gone => {}
        }
    }
}

fn small(input_bytes: usize) -> bool {
    input_bytes <= SYNC_INPUT_LIMIT
}

fn is_busy(e: &StoreError) -> bool {
    e.code().starts_with("SQLITE_BUSY")
}

fn spawn<T, Fut>(env: &Env, fut: Pin<Box<Fut>>) -> Result<Outcome<T>>
where
    T: ToNapiValue + Send + 'static,
    Fut: Future<Output = StoreResult<T>> + Send + 'static,
{
    let promise = env.spawn_future(async move { fut.await.map_err(Error::from) })?;
    Ok(Outcome::Pending(promise.value().value))
}

/// One domain method: `[args]` (owned, shared by a retry), `size` of the input in bytes,
/// and the operation as an async body over the domain `$m`.
macro_rules! op {
    ($self:ident, $env:ident, size = $size:expr, [$($a:ident),*], |$m:ident| $body:expr) => {{
        let domain = $self.inner.clone();
        let start = match (small($size), $self.sqlite) {
            (true, true) => Start::Here,
            (true, false) => Start::HereThenPool,
            (false, _) => Start::Pool,
        };
        $(let $a = Arc::new($a);)*
        dispatch($env, start, move || {
            let $m = domain.clone();
            $(let $a = $a.clone();)*
            async move { $body }
        })
    }};
}

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
    /// SQLite file: `normal` (default, synchronous=NORMAL) or `full` (synchronous=FULL).
    pub durability: Option<String>,
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

/// How many PostgreSQL reads, over every store of this process, ran again on a fresh
/// connection after theirs was lost (see src/db/postgres.rs). A diagnostic, read by the
/// fault drills.
#[napi]
pub fn pg_read_retries() -> i64 {
    crate::db::postgres::PgPool::read_retries() as i64
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
            durability_full: match o.durability.as_deref() {
                None | Some("normal") => false,
                Some("full") => true,
                Some(other) => return Err(StoreError::invalid(format!("durability must be 'normal' or 'full', got {other:?}")).into()),
            },
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
        NativeMemory { inner: Memory::new(self.db.clone()), sqlite: !self.db.dialect().is_pg() }
    }

    /// The workflows domain (workflow run snapshots) of this database.
    #[napi]
    pub fn workflows(&self) -> NativeWorkflows {
        NativeWorkflows { inner: Workflows::new(self.db.clone()), sqlite: !self.db.dialect().is_pg() }
    }

    /// The stored-agents domain (agents and their versions) of this database.
    #[napi]
    pub fn agents(&self) -> NativeAgents {
        NativeAgents { inner: Agents::new(self.db.clone()), sqlite: !self.db.dialect().is_pg() }
    }

    /// SQLite: the `synchronous` setting every connection runs with (1 NORMAL, 2 FULL), as
    /// `durability` chose it; null on PostgreSQL.
    #[napi]
    pub async fn sqlite_synchronous(&self) -> Result<Option<i64>> {
        if self.db.dialect().is_pg() {
            return Ok(None);
        }
        let mut q = self.db.q();
        q.s("PRAGMA synchronous");
        Ok(Some(self.db.conn().await.map_err(napi::Error::from)?.fetch_int(&q).await?))
    }

    /// Which engine this database is: `sqlite` or `postgres`.
    #[napi(getter)]
    pub fn engine(&self) -> String {
        if self.db.dialect().is_pg() { "postgres" } else { "sqlite" }.to_string()
    }
}

/// Mastra's memory domain. Arguments and results are JSON text shaped like the matching
/// `MemoryStorage` method's; dates are ISO strings. Each method returns its value or a
/// Promise of it (see the module note).
#[napi]
pub struct NativeMemory {
    inner: Memory,
    sqlite: bool,
}

#[napi]
impl NativeMemory {
    /// A thread as JSON, or null when missing (or owned by another resource).
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_thread_by_id(&self, env: &Env, thread_id: String, resource_id: Option<String>) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [thread_id, resource_id], |m| Ok(m
            .get_thread(&thread_id, resource_id.as_deref())
            .await?
            .map(Json::new)))
    }

    /// Insert or replace a thread (`StorageThreadType` JSON).
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn save_thread(&self, env: &Env, thread_json: String) -> Result<Outcome<()>> {
        let thread_json = clean_input(thread_json)?;
        op!(self, env, size = thread_json.len(), [thread_json], |m| m.save_thread(&thread_json).await)
    }

    /// Partial update: title when given, metadata merged. Returns the thread JSON.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn update_thread(&self, env: &Env, id: String, title: Option<String>, metadata_json: Option<String>) -> Result<Outcome<Json>> {
        let metadata_json = metadata_json.map(clean_input).transpose()?;
        let size = metadata_json.as_ref().map_or(0, String::len) + title.as_ref().map_or(0, String::len);
        op!(self, env, size = size, [id, title, metadata_json], |m| m
            .update_thread(&id, title.as_deref(), metadata_json.as_deref())
            .await
            .map(Json::new))
    }

    /// Delete a thread and its messages.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn delete_thread(&self, env: &Env, thread_id: String) -> Result<Outcome<()>> {
        op!(self, env, size = 0, [thread_id], |m| m.delete_thread(&thread_id).await)
    }

    /// `StorageListThreadsInput` JSON in, `StorageListThreadsOutput` JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn list_threads(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |m| m.list_threads(&args_json).await.map(Json::new))
    }

    /// Upsert a batch of messages (JSON array) in one transaction.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn save_messages(&self, env: &Env, messages_json: String) -> Result<Outcome<()>> {
        let messages_json = clean_input(messages_json)?;
        op!(self, env, size = messages_json.len(), [messages_json], |m| m.save_messages(&messages_json).await)
    }

    /// `StorageListMessagesInput` JSON in, `StorageListMessagesOutput` JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn list_messages(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |m| m.list_messages(&args_json).await.map(Json::new))
    }

    /// `StorageListMessagesByResourceIdInput` JSON in, `StorageListMessagesOutput` JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn list_messages_by_resource_id(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |m| m.list_messages_by_resource(&args_json).await.map(Json::new))
    }

    /// A JSON array of ids in, a JSON array of messages (createdAt ascending) out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn list_messages_by_id(&self, env: &Env, ids_json: String) -> Result<Outcome<Json>> {
        let ids_json = clean_input(ids_json)?;
        op!(self, env, size = ids_json.len(), [ids_json], |m| m.list_messages_by_id(&ids_json).await.map(Json::new))
    }

    /// A JSON array of partial messages (each with `id`) in; the updated messages out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn update_messages(&self, env: &Env, patches_json: String) -> Result<Outcome<Json>> {
        let patches_json = clean_input(patches_json)?;
        op!(self, env, size = patches_json.len(), [patches_json], |m| m.update_messages(&patches_json).await.map(Json::new))
    }

    /// Delete messages by id (JSON array); with `threadId`, only those in that thread.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn delete_messages(&self, env: &Env, ids_json: String, thread_id: Option<String>) -> Result<Outcome<()>> {
        let ids_json = clean_input(ids_json)?;
        op!(self, env, size = ids_json.len(), [ids_json, thread_id], |m| m.delete_messages(&ids_json, thread_id.as_deref()).await)
    }

    /// A resource as JSON, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_resource_by_id(&self, env: &Env, resource_id: String) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [resource_id], |m| Ok(m.get_resource(&resource_id).await?.map(Json::new)))
    }

    /// Insert or replace a resource (`StorageResourceType` JSON).
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn save_resource(&self, env: &Env, resource_json: String) -> Result<Outcome<()>> {
        let resource_json = clean_input(resource_json)?;
        op!(self, env, size = resource_json.len(), [resource_json], |m| m.save_resource(&resource_json).await)
    }

    /// `{ resourceId, workingMemory?, metadata? }` JSON in; the resource JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn update_resource(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |m| m.update_resource(&args_json).await.map(Json::new))
    }

    /// `StorageCloneThreadInput` JSON in; `{ thread, messageIdMap }` JSON out. A clone copies
    /// every message of the thread, so it always runs on the pool.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn copy_thread(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = usize::MAX, [args_json], |m| m.copy_thread(&args_json).await.map(Json::new))
    }

    /// Move a thread and all its messages to another resource; the thread JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn update_thread_resource_id(&self, env: &Env, thread_id: String, resource_id: String) -> Result<Outcome<Json>> {
        op!(self, env, size = 0, [thread_id, resource_id], |m| m
            .update_thread_resource_id(&thread_id, &resource_id)
            .await
            .map(Json::new))
    }

    /// Delete every thread, message and resource (on the pool: it may be large).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn dangerously_clear_all(&self, env: &Env) -> Result<Outcome<()>> {
        op!(self, env, size = usize::MAX, [], |m| m.clear_all().await)
    }
}

/// A page of workflow runs: the runs as JSON without snapshots, and the snapshots apart.
#[napi(object)]
pub struct WorkflowRunsPage {
    /// `{ runs, total }` JSON; each run lacks `snapshot`.
    pub runs: Json,
    /// Each run's snapshot as JSON text (null when the row has none), in run order.
    pub snapshots: Vec<Option<Json>>,
}

/// Mastra's workflows domain. Arguments and results are JSON text shaped like the matching
/// `WorkflowsStorage` method's; dates are ISO strings. Each method returns its value or a
/// Promise of it (see the module note).
#[napi]
pub struct NativeWorkflows {
    inner: Workflows,
    sqlite: bool,
}

#[napi]
impl NativeWorkflows {
    /// Upsert a run snapshot (`{ workflowName, runId, resourceId?, snapshot, createdAt?, updatedAt? }`).
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn persist_workflow_snapshot(&self, env: &Env, args_json: String) -> Result<Outcome<()>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |w| w.persist(&args_json).await)
    }

    /// The stored snapshot JSON, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn load_workflow_snapshot(&self, env: &Env, workflow_name: String, run_id: String) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [workflow_name, run_id], |w| Ok(w.load(&workflow_name, &run_id).await?.map(Json::new)))
    }

    /// The newest run with this id (in this workflow when named) as `WorkflowRun` JSON, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_workflow_run_by_id(&self, env: &Env, run_id: String, workflow_name: Option<String>) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [run_id, workflow_name], |w| Ok(w
            .get_run(&run_id, workflow_name.as_deref())
            .await?
            .map(Json::new)))
    }

    /// The newest run with this id as `WorkflowState` JSON holding only the requested
    /// optional parts (`fields`: result, error, payload, steps, activeStepsPath,
    /// serializedStepGraph, suspendedPaths, resumeLabels, waitingPaths, all of them when
    /// absent; requestContext and tracingContext only when named).
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_workflow_state(&self, env: &Env, run_id: String, fields: Option<Vec<String>>) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [run_id, fields], |w| Ok(w
            .get_state(&run_id, (*fields).clone())
            .await?
            .map(Json::new)))
    }

    /// Delete a run; without a workflow name, every run with that id.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn delete_workflow_run_by_id(&self, env: &Env, run_id: String, workflow_name: Option<String>) -> Result<Outcome<()>> {
        op!(self, env, size = 0, [run_id, workflow_name], |w| w.delete_run(&run_id, workflow_name.as_deref()).await)
    }

    /// `StorageListWorkflowRunsInput` JSON in; `{ runs, total }` JSON without the snapshots,
    /// plus the snapshots' JSON texts in run order (parsed by JS only when read).
    #[napi(ts_return_type = "WorkflowRunsPage | Promise<WorkflowRunsPage>")]
    pub fn list_workflow_runs(&self, env: &Env, args_json: String) -> Result<Outcome<WorkflowRunsPage>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |w| {
            let (runs, snapshots) = w.list_runs(&args_json).await?;
            Ok(WorkflowRunsPage { runs: Json::new(runs), snapshots: snapshots.into_iter().map(|s| s.map(Json::new)).collect() })
        })
    }

    /// Atomically merge one step's result; returns the snapshot's context JSON.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn update_workflow_results(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |w| w.update_results(&args_json).await.map(Json::new))
    }

    /// Atomically merge state into the snapshot (compare-and-set with `opts.expectedStatus`);
    /// the updated snapshot JSON, or null when the run is missing or the status did not match.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn update_workflow_state(&self, env: &Env, args_json: String) -> Result<Outcome<Option<Json>>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |w| Ok(w.update_state(&args_json).await?.map(Json::new)))
    }

    /// Delete every workflow run (on the pool: it may be large).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn dangerously_clear_all(&self, env: &Env) -> Result<Outcome<()>> {
        op!(self, env, size = usize::MAX, [], |w| w.clear_all().await)
    }
}

/// Mastra's stored-agents domain. Arguments and results are JSON text shaped like the
/// matching `AgentsStorage` method's; dates are ISO strings. Each method returns its value
/// or a Promise of it (see the module note).
#[napi]
pub struct NativeAgents {
    inner: Agents,
    sqlite: bool,
}

#[napi]
impl NativeAgents {
    /// The thin agent record JSON, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_by_id(&self, env: &Env, id: String) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [id], |a| Ok(a.get_by_id(&id).await?.map(Json::new)))
    }

    /// Create the thin record (draft) and version 1 from a `StorageCreateAgentInput`; the
    /// thin record out. `inputKeys`: the input's own keys (`Object.keys`), undefined-valued
    /// ones included, which version 1 lists as its changed fields.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn create(&self, env: &Env, agent_json: String, input_keys: Option<Vec<String>>) -> Result<Outcome<Json>> {
        let agent_json = clean_input(agent_json)?;
        op!(self, env, size = agent_json.len(), [agent_json, input_keys], |a| a
            .create(&agent_json, (*input_keys).clone())
            .await
            .map(Json::new))
    }

    /// Update thin-record fields (metadata merged); the thin record out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn update(&self, env: &Env, input_json: String) -> Result<Outcome<Json>> {
        let input_json = clean_input(input_json)?;
        op!(self, env, size = input_json.len(), [input_json], |a| a.update(&input_json).await.map(Json::new))
    }

    /// Delete an agent and all its versions.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn delete(&self, env: &Env, id: String) -> Result<Outcome<()>> {
        op!(self, env, size = 0, [id], |a| a.delete(&id).await)
    }

    /// `StorageListAgentsInput` JSON in, `{ agents, total, page, perPage, hasMore }` JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn list(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |a| a.list(&args_json).await.map(Json::new))
    }

    /// Store a version (`CreateVersionInput` JSON); returns its createdAt (an ISO string).
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn create_version(&self, env: &Env, input_json: String) -> Result<Outcome<String>> {
        let input_json = clean_input(input_json)?;
        op!(self, env, size = input_json.len(), [input_json], |a| a.create_version(&input_json).await)
    }

    /// A version JSON, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_version(&self, env: &Env, id: String) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [id], |a| Ok(a.get_version(&id).await?.map(Json::new)))
    }

    /// A JSON array of ids in, a JSON array of the versions found out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn get_versions(&self, env: &Env, ids_json: String) -> Result<Outcome<Json>> {
        let ids_json = clean_input(ids_json)?;
        op!(self, env, size = ids_json.len(), [ids_json], |a| a.get_versions(&ids_json).await.map(Json::new))
    }

    /// An agent's version by number, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_version_by_number(&self, env: &Env, agent_id: String, version_number: i64) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [agent_id], |a| Ok(a
            .get_version_by_number(&agent_id, version_number)
            .await?
            .map(Json::new)))
    }

    /// An agent's highest-numbered version, or null.
    #[napi(ts_return_type = "string | null | Promise<string | null>")]
    pub fn get_latest_version(&self, env: &Env, agent_id: String) -> Result<Outcome<Option<Json>>> {
        op!(self, env, size = 0, [agent_id], |a| Ok(a.get_latest_version(&agent_id).await?.map(Json::new)))
    }

    /// `ListVersionsInput` JSON in, `{ versions, total, page, perPage, hasMore }` JSON out.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn list_versions(&self, env: &Env, args_json: String) -> Result<Outcome<Json>> {
        let args_json = clean_input(args_json)?;
        op!(self, env, size = args_json.len(), [args_json], |a| a.list_versions(&args_json).await.map(Json::new))
    }

    /// Delete one version.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn delete_version(&self, env: &Env, id: String) -> Result<Outcome<()>> {
        op!(self, env, size = 0, [id], |a| a.delete_version(&id).await)
    }

    /// Delete every version of an agent.
    #[napi(ts_return_type = "void | Promise<void>")]
    pub fn delete_versions_by_parent_id(&self, env: &Env, agent_id: String) -> Result<Outcome<()>> {
        op!(self, env, size = 0, [agent_id], |a| a.delete_versions_by_parent(&agent_id).await)
    }

    /// How many versions an agent has.
    #[napi(ts_return_type = "number | Promise<number>")]
    pub fn count_versions(&self, env: &Env, agent_id: String) -> Result<Outcome<i64>> {
        op!(self, env, size = 0, [agent_id], |a| a.count_versions(&agent_id).await)
    }

    /// Delete every agent and version (on the pool: it may be large).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn dangerously_clear_all(&self, env: &Env) -> Result<Outcome<()>> {
        op!(self, env, size = usize::MAX, [], |a| a.clear_all().await)
    }
}
