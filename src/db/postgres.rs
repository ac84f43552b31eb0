//! PostgreSQL specifics: our own small connection pool over sqlx's `PgConnection`. sqlx reads
//! sslmode and the other URL options itself.
//!
//! Why not `sqlx::PgPool`: it pings a connection on the way out of the pool
//! (`test_before_acquire`) and again on the way back in (`return_to_pool`), so a call of one
//! statement cost three round trips and three wake-ups of the PostgreSQL backend.
//! node-postgres, which @mastra/pg uses, costs one: its idle sockets sit in the event loop,
//! which notices a server hanging up on them. We cannot watch sqlx's sockets, so we check a
//! connection before use only when a check can tell something, as HikariCP does:
//! - it sat idle longer than `VALIDATE_AFTER` (a restart or a network drop may have
//!   happened meanwhile);
//! - or some connection of this pool failed since it was last used (a server that kills
//!   one backend has usually killed them all).
//!
//! A connection goes back to the pool only when its last statement finished: one dropped in
//! the middle of a statement (an I/O error, a future that was cancelled) or told by the
//! server that it is being shut down (a FATAL error) is closed instead. A transaction
//! dropped without `commit` is rolled back before its connection is reused, so its locks
//! never wait for the next caller.
//!
//! A read whose connection was lost before its answer runs once more on a newly opened
//! connection (`PgConn::reconnect`, called from exec.rs): it changed nothing, so after a restart or a
//! terminated backend it costs the caller nothing once the server is back. A write is never
//! run again here; its error says whether it can have been committed (`error::Retry`).

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgDatabaseError, PgSeverity, PgTransactionManager};
use sqlx::{ConnectOptions, Connection, Executor, TransactionManager};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::OpenOptions;
use crate::error::{Result, Retry, StoreError};

/// A connection idle longer than this is pinged before it is handed out.
const VALIDATE_AFTER: Duration = Duration::from_millis(500);

/// Reads run again on a fresh connection (`PgConn::reconnect`), for diagnostics and tests.
static READ_RETRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A pool for many app processes sharing one server. Cloning is an Arc bump.
#[derive(Clone)]
pub struct PgPool {
    inner: Arc<Inner>,
}

struct Inner {
    options: PgConnectOptions,
    /// Idle connections, most recently used last: handed out LIFO, so a steady load runs on
    /// few connections whose statements are prepared and whose backends are warm.
    idle: Mutex<Vec<Idle>>,
    /// One permit per connection in use (`max`).
    permits: Arc<Semaphore>,
    /// Connections open or being opened, idle or in use: never more than `max`.
    open: AtomicUsize,
    max: usize,
    acquire_timeout: Duration,
    idle_timeout: Duration,
    closed: AtomicBool,
    /// When a connection of this pool last failed: idle connections last used before then
    /// are pinged before use.
    failed_at: Mutex<Option<Instant>>,
}

struct Idle {
    conn: PgConnection,
    since: Instant,
}

/// Open a pool, connecting once eagerly so a bad URL or an unreachable server fails here.
pub async fn open(url: &str, opts: &OpenOptions) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?
        .application_name("mastra-native-store")
        .statement_cache_capacity(256)
        .disable_statement_logging();
    let max = opts.max_connections.unwrap_or(10).max(1) as usize;
    let pool = PgPool {
        inner: Arc::new(Inner {
            options,
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: Arc::new(Semaphore::new(max)),
            open: AtomicUsize::new(0),
            max,
            acquire_timeout: Duration::from_millis(opts.connection_timeout_ms.unwrap_or(10_000) as u64),
            idle_timeout: Duration::from_millis(opts.idle_timeout_ms.unwrap_or(10_000) as u64),
            closed: AtomicBool::new(false),
            failed_at: Mutex::new(None),
        }),
    };
    drop(pool.acquire().await?);
    spawn_reaper(&pool.inner);
    Ok(pool)
}

/// Close connections idle longer than `idleTimeoutMillis`, as node-postgres's pool does, so
/// a burst's extra connections do not stay open on the server. Ends with the pool.
fn spawn_reaper(inner: &Arc<Inner>) {
    let pool = Arc::downgrade(inner);
    let period = (inner.idle_timeout / 2).clamp(Duration::from_millis(50), Duration::from_secs(5));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let Some(inner) = pool.upgrade() else { return };
            if inner.closed.load(Ordering::Acquire) {
                return;
            }
            let expired: Vec<Idle> = {
                let mut idle = inner.idle.lock().unwrap();
                // Oldest first: the stack's bottom has been idle longest.
                let n = idle.iter().take_while(|i| i.since.elapsed() > inner.idle_timeout).count();
                idle.drain(..n).collect()
            };
            for i in expired {
                inner.retire(i.conn, true).await;
            }
        }
    });
}

impl PgPool {
    /// A connection: the most recently used idle one (checked first when a check can tell
    /// something, see the module note), or a new one while fewer than `max` are open.
    /// Nothing has been sent for the caller yet, so a failure here is safe to retry.
    pub async fn acquire(&self) -> Result<PgConn> {
        let inner = &self.inner;
        let get = async {
            let permit = inner.permits.clone().acquire_owned().await.map_err(|_| StoreError::Closed)?;
            let conn = inner.take().await?;
            Ok(PgConn { conn: Some(conn), _permit: permit, pool: self.inner.clone(), busy: false })
        };
        inner.timed(get).await
    }

    /// Read retries since the process started, over every pool (see `PgConn::reconnect`).
    pub fn read_retries() -> u64 {
        READ_RETRIES.load(Ordering::Relaxed)
    }

    /// Refuse new work and close the idle connections; connections in use close when
    /// their caller is done with them.
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner.permits.close();
        let idle = std::mem::take(&mut *self.inner.idle.lock().unwrap());
        for Idle { conn, .. } in idle {
            self.inner.retire(conn, true).await;
        }
    }
}

impl Inner {
    /// A usable connection for a caller that holds a permit: the most recently used idle
    /// one (checked first when a check can tell something), or a new one.
    async fn take(&self) -> Result<PgConnection> {
        loop {
            let idle = self.idle.lock().unwrap().pop();
            let Some(Idle { mut conn, since }) = idle else {
                // Holding a permit, we may open one more connection unless `max` are open
                // already; then one of them is on its way back to the pool (or closing).
                if !self.reserve() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
                return self.open_reserved().await;
            };
            let age = since.elapsed();
            if age > self.idle_timeout {
                self.retire(conn, true).await;
                continue;
            }
            let failed_since = self.failed_at.lock().unwrap().is_some_and(|at| at >= since);
            if (age > VALIDATE_AFTER || failed_since) && conn.ping().await.is_err() {
                self.retire(conn, false).await; // dead: dropping it closes the socket
                continue;
            }
            return Ok(conn);
        }
    }

    /// A newly opened connection for a caller that holds a permit, making room by closing
    /// the idle connection unused longest when `max` are open. For a read's retry: an idle
    /// connection, even one that answers a ping, may be ended by the same event that ended
    /// the first (pg_terminate_backend signals backends one after another; a server going
    /// down ends them all), while one opened after it is past it.
    async fn take_new(&self) -> Result<PgConnection> {
        loop {
            if self.reserve() {
                return self.open_reserved().await;
            }
            let oldest = {
                let mut idle = self.idle.lock().unwrap();
                (!idle.is_empty()).then(|| idle.remove(0))
            };
            match oldest {
                Some(i) => self.retire(i.conn, true).await,
                None => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        }
    }

    /// Count one more open connection, unless `max` are open already.
    fn reserve(&self) -> bool {
        self.open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1)).is_ok()
    }

    /// Open the connection `reserve` counted; nothing was sent for the caller yet, so a
    /// failure here is safe to retry.
    async fn open_reserved(&self) -> Result<PgConnection> {
        match connect(&self.options).await {
            Ok(conn) => Ok(conn),
            Err(e) => {
                self.open.fetch_sub(1, Ordering::AcqRel);
                Err(e.changed_nothing())
            }
        }
    }

    /// Bound getting a connection by `connectionTimeoutMillis`.
    async fn timed<T>(&self, get: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        match tokio::time::timeout(self.acquire_timeout, get).await {
            Ok(r) => r,
            Err(_) if self.closed.load(Ordering::Acquire) => Err(StoreError::Closed),
            Err(_) => Err(StoreError::Database {
                code: "POOL_TIMEOUT".into(),
                message: "timed out waiting for a database connection".into(),
                retry: Retry::Safe,
            }),
        }
    }

    /// Close a connection that leaves the pool: with a goodbye to the server when it is
    /// healthy, by dropping the socket when it is not.
    async fn retire(&self, conn: PgConnection, graceful: bool) {
        self.open.fetch_sub(1, Ordering::AcqRel);
        if graceful {
            let _ = conn.close().await;
        }
    }
}

/// A new connection, set up as every pooled one must be.
async fn connect(options: &PgConnectOptions) -> Result<PgConnection> {
    let mut conn = options.connect().await?;
    // Statements stay prepared (parsed once per connection), but are planned for their
    // actual parameters on every run: PostgreSQL otherwise switches a prepared statement to
    // a generic plan after five runs, chosen while the tables were small and kept as they
    // grow. Measured: saveMessages' thread bump kept a sequential scan of mastra_messages,
    // 0.7 ms per call at 4k messages, 3 ms at 20k. (node-postgres, which @mastra/pg uses,
    // sends unnamed statements, which are always planned per run.)
    // Set per connection with SET (not the `options` startup parameter, which poolers such
    // as PgBouncer refuse).
    conn.execute("SET plan_cache_mode = force_custom_plan").await?;
    Ok(conn)
}

/// A pooled connection. Every statement runs between `start` and `finish`, which decide
/// whether the connection may be reused; dropping it returns it to the pool or closes it.
pub struct PgConn {
    conn: Option<PgConnection>,
    _permit: OwnedSemaphorePermit,
    pool: Arc<Inner>,
    /// A statement started and did not finish cleanly: the connection's protocol state is
    /// unknown, so it must not be reused.
    busy: bool,
}

impl PgConn {
    /// The connection, for one statement; `finish` must see its result.
    pub fn start(&mut self) -> &mut PgConnection {
        self.busy = true;
        self.conn.as_mut().expect("a pooled connection is present until dropped")
    }

    /// Record how a statement ended: errors the server reported (a constraint, a syntax
    /// error) leave the connection usable; anything else, or a FATAL one, retires it and
    /// has the pool check its other idle connections before use.
    pub fn finish<T>(&mut self, r: std::result::Result<T, sqlx::Error>) -> std::result::Result<T, sqlx::Error> {
        let broken = match &r {
            Ok(_) | Err(sqlx::Error::RowNotFound) => false,
            Err(sqlx::Error::Database(e)) => {
                e.try_downcast_ref::<PgDatabaseError>().is_some_and(|e| matches!(e.severity(), PgSeverity::Fatal | PgSeverity::Panic))
            }
            Err(_) => true,
        };
        self.busy = broken;
        if broken {
            *self.pool.failed_at.lock().unwrap() = Some(Instant::now());
        }
        r
    }
}

impl PgConn {
    /// Swap a connection that was just lost (`finish` retired it) for a newly opened one
    /// (see `Inner::take_new`), keeping this call's permit, so a read can run again. Only
    /// reads call this (exec.rs): a read that got no answer changed nothing.
    pub async fn reconnect(&mut self) -> Result<()> {
        if let Some(dead) = self.conn.take() {
            self.pool.open.fetch_sub(1, Ordering::AcqRel);
            drop(dead); // no goodbye: the socket is gone or broken
        }
        READ_RETRIES.fetch_add(1, Ordering::Relaxed);
        let conn = self.pool.timed(self.pool.take_new()).await?;
        self.conn = Some(conn);
        self.busy = false;
        Ok(())
    }

    /// `finish` for a COMMIT or ROLLBACK: one that failed in any way also retires the
    /// connection, since sqlx then still counts the transaction open (its next BEGIN would
    /// be a SAVEPOINT, which fails outside a transaction).
    fn end_transaction(&mut self, r: std::result::Result<(), sqlx::Error>) -> std::result::Result<(), sqlx::Error> {
        let r = self.finish(r);
        if r.is_err() {
            self.busy = true;
        }
        r
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !self.busy && !self.pool.closed.load(Ordering::Acquire) {
            self.pool.idle.lock().unwrap().push(Idle { conn, since: Instant::now() });
            return;
        }
        // Closing gracefully needs the runtime; a dropped socket is also a goodbye.
        let pool = self.pool.clone();
        let graceful = !self.busy;
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn(async move { pool.retire(conn, graceful).await })),
            Err(_) => {
                pool.open.fetch_sub(1, Ordering::AcqRel);
                drop(conn);
            }
        }
    }
}

/// A transaction on a pooled connection; dropped without `commit`, it rolls back (on the
/// runtime, before the connection is reused).
pub struct PgTx {
    conn: Option<PgConn>,
}

impl PgTx {
    pub async fn begin(mut conn: PgConn) -> Result<PgTx> {
        let r = PgTransactionManager::begin(conn.start(), None).await;
        // Nothing was written yet: a BEGIN that lost its connection is safe to retry.
        conn.finish(r).map_err(|e| StoreError::from(e).changed_nothing())?;
        Ok(PgTx { conn: Some(conn) })
    }

    /// The connection the transaction runs on.
    pub fn conn(&mut self) -> &mut PgConn {
        self.conn.as_mut().expect("an open transaction has its connection")
    }

    pub async fn commit(mut self) -> Result<()> {
        let mut conn = self.conn.take().expect("an open transaction has its connection");
        let r = PgTransactionManager::commit(conn.start()).await;
        // A COMMIT the server refuses (a deferred constraint, a serialization failure)
        // retires the connection: see `end_transaction`.
        Ok(conn.end_transaction(r)?)
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        if conn.busy {
            return; // closed on drop; the server rolls back
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    let r = PgTransactionManager::rollback(conn.start()).await;
                    let _ = conn.end_transaction(r);
                });
            }
            Err(_) => conn.busy = true,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn test_url() -> String {
        std::env::var("DATABASE_URL")
            .or_else(|_| std::env::var("POSTGRES_URL"))
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into())
    }

    /// The server backend a pooled connection talks to.
    pub(crate) async fn backend_pid(c: &mut PgConn) -> i32 {
        let r = sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()").fetch_one(c.start()).await;
        c.finish(r).unwrap()
    }

    /// End a backend from a connection of its own (as an admin's pg_terminate_backend
    /// would) and wait until the server has let it go.
    pub(crate) async fn terminate(pid: i32) {
        let mut admin = PgConnection::connect(&test_url()).await.unwrap();
        sqlx::query("SELECT pg_terminate_backend($1)").bind(pid).execute(&mut admin).await.unwrap();
        for _ in 0..200 {
            let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = $1").bind(pid).fetch_one(&mut admin).await.unwrap();
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = admin.close().await;
    }

    /// The test server (DATABASE_URL as the vitest suites use it), or None when there is
    /// none here; under CI a missing server fails the test instead of skipping it.
    pub(crate) async fn pool(opts: OpenOptions) -> Option<PgPool> {
        let url = test_url();
        match open(&url, &opts).await {
            Ok(p) => Some(p),
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("skipped: no PostgreSQL at {url}: {e}");
                None
            }
            Err(e) => panic!("PostgreSQL at {url} is required under CI: {e}"),
        }
    }

    async fn one(c: &mut PgConn, sql: &str) -> std::result::Result<(), sqlx::Error> {
        let r = c.start().execute(sql).await.map(|_| ());
        c.finish(r)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_opens_more_than_max_and_reuses_the_warm_connection() {
        let Some(p) = pool(OpenOptions { max_connections: Some(3), ..Default::default() }).await else { return };
        let tasks: Vec<_> = (0..24)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move {
                    let mut c = p.acquire().await.unwrap();
                    one(&mut c, "SELECT pg_sleep(0.005)").await.unwrap();
                    assert!(p.inner.open.load(Ordering::Acquire) <= 3);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(p.inner.open.load(Ordering::Acquire), 3, "the burst used every connection it may");
        // One at a time, calls run on the connection used last (LIFO), not round the pool.
        let pid = |mut c: PgConn| async move {
            let r = sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()").fetch_one(c.start()).await;
            c.finish(r).unwrap()
        };
        let first = pid(p.acquire().await.unwrap()).await;
        assert_eq!(pid(p.acquire().await.unwrap()).await, first);
        p.close().await;
    }

    /// A COMMIT the server refuses must not leave the connection believing it is still in
    /// a transaction (its next BEGIN would be a SAVEPOINT, which fails outside one).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_commit_does_not_poison_the_next_transaction() {
        let Some(p) = pool(OpenOptions { max_connections: Some(1), ..Default::default() }).await else { return };
        let mut tx = PgTx::begin(p.acquire().await.unwrap()).await.unwrap();
        for sql in [
            "CREATE TEMP TABLE mns_deferred (k int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP",
            "INSERT INTO mns_deferred VALUES (1), (1)",
        ] {
            one(tx.conn(), sql).await.unwrap();
        }
        let err = tx.commit().await.unwrap_err();
        assert_eq!(err.code(), "23505", "{err}");
        for _ in 0..3 {
            let mut tx = PgTx::begin(p.acquire().await.unwrap()).await.unwrap();
            one(tx.conn(), "SELECT 1").await.unwrap();
            tx.commit().await.unwrap();
        }
        p.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn idle_connections_close_after_the_idle_timeout() {
        let Some(p) = pool(OpenOptions { idle_timeout_ms: Some(100), ..Default::default() }).await else { return };
        let (a, b) = (p.acquire().await.unwrap(), p.acquire().await.unwrap());
        drop((a, b));
        assert_eq!(p.inner.open.load(Ordering::Acquire), 2);
        for _ in 0..100 {
            if p.inner.open.load(Ordering::Acquire) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(p.inner.open.load(Ordering::Acquire), 0, "the reaper closed both");
        assert!(p.inner.idle.lock().unwrap().is_empty());
        p.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_statement_keeps_the_connection_a_lost_one_retires_it() {
        let Some(p) = pool(OpenOptions::default()).await else { return };
        let mut c = p.acquire().await.unwrap();
        assert!(one(&mut c, "SELECT * FROM no_such_table_here").await.is_err());
        assert!(!c.busy, "a server-reported error leaves the connection usable");
        one(&mut c, "SELECT 1").await.unwrap();
        // The server ends this backend: FATAL, then the socket closes.
        let r = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())").execute(c.start()).await;
        assert!(c.finish(r).is_err());
        assert!(c.busy);
        drop(c);
        for _ in 0..50 {
            if p.inner.open.load(Ordering::Acquire) == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(p.inner.open.load(Ordering::Acquire), 0, "the dead connection was not put back");
        let mut c = p.acquire().await.unwrap();
        one(&mut c, "SELECT 1").await.unwrap();
        drop(c);
        p.close().await;
    }
}
