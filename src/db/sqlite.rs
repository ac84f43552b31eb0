//! SQLite specifics: the connection pool, PRAGMAs, the in-memory database, and running a
//! statement. Statements run synchronously on the calling task's thread (an embedded
//! database answers in microseconds), so a multi-statement operation costs no thread hops.
//!
//! One writer connection behind an async mutex serialises this process's writes (so no
//! task ever busy-waits on SQLite's lock held by a sibling task); it serves reads too while
//! no write holds it (its page cache is the warm one), and a few reader connections serve
//! reads beside a write in progress (WAL lets them run concurrently). Across processes,
//! `BEGIN IMMEDIATE` plus `busy_timeout` arbitrate.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::exec::Row;
use super::sql::{Arg, Q};
use super::OpenOptions;
use crate::error::{Result, StoreError};

const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5_000;
/// Prepared statements kept per connection (the domains use a few dozen distinct ones).
const STATEMENT_CACHE: usize = 128;

thread_local! {
    static SYNC_ATTEMPT: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread's statements, while alive, as a synchronous attempt made on the
/// Node thread (see napi_api.rs `dispatch`): there the writer must not wait out another
/// process's lock for up to `busy_timeout` (that would freeze the event loop), so it fails
/// at once with SQLITE_BUSY and the caller retries the operation on the pool, where
/// waiting is harmless.
pub struct SyncAttempt(());

impl SyncAttempt {
    pub fn enter() -> SyncAttempt {
        SYNC_ATTEMPT.set(true);
        SyncAttempt(())
    }
}

impl Drop for SyncAttempt {
    fn drop(&mut self) {
        SYNC_ATTEMPT.set(false);
    }
}

/// The connections of one SQLite database.
pub struct SqlitePool {
    busy_timeout: Duration,
    writer: Arc<Mutex<Option<Connection>>>,
    readers: StdMutex<Vec<Connection>>,
    reader_slots: Arc<Semaphore>,
    closed: AtomicBool,
    /// `:memory:`: the writer is the only connection and serves reads too.
    memory: bool,
}

fn busy_timeout(opts: &OpenOptions) -> Duration {
    Duration::from_millis(opts.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS) as u64)
}

fn configure(conn: &Connection, opts: &OpenOptions, file: bool) -> Result<()> {
    conn.busy_timeout(busy_timeout(opts))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // As @mastra/libsql configures local files: WAL (readers never block the writer),
    // synchronous=NORMAL (durable across process crashes), a 16 MB page cache, 128 MB mmap.
    let pragmas = if file {
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; \
         PRAGMA cache_size=-16000; PRAGMA mmap_size=134217728;"
    } else {
        "PRAGMA temp_store=MEMORY;"
    };
    conn.execute_batch(pragmas)?;
    Ok(())
}

impl SqlitePool {
    /// A file database: one writer plus `max - 1` readers (default 4 connections in all).
    pub fn open_file(path: &str, opts: &OpenOptions) -> Result<Arc<SqlitePool>> {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                // Same courtesy as libsql: a missing parent directory is created.
                let _ = std::fs::create_dir_all(dir);
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let writer = Connection::open_with_flags(path, flags)?;
        configure(&writer, opts, true)?;
        let n_readers = opts.max_connections.unwrap_or(4).saturating_sub(1).max(1) as usize;
        let mut readers = Vec::with_capacity(n_readers);
        for _ in 0..n_readers {
            let r = Connection::open_with_flags(path, flags)?;
            configure(&r, opts, true)?;
            readers.push(r);
        }
        Ok(Arc::new(SqlitePool {
            busy_timeout: busy_timeout(opts),
            writer: Arc::new(Mutex::new(Some(writer))),
            readers: StdMutex::new(readers),
            reader_slots: Arc::new(Semaphore::new(n_readers)),
            closed: AtomicBool::new(false),
            memory: false,
        }))
    }

    /// One private in-memory database for the whole store: SQLite gives each connection
    /// its own `:memory:` database, so there is exactly one connection, used for
    /// everything, living as long as the store.
    pub fn open_memory(opts: &OpenOptions) -> Result<Arc<SqlitePool>> {
        let conn = Connection::open_in_memory()?;
        configure(&conn, opts, false)?;
        Ok(Arc::new(SqlitePool {
            busy_timeout: busy_timeout(opts),
            writer: Arc::new(Mutex::new(Some(conn))),
            readers: StdMutex::new(Vec::new()),
            reader_slots: Arc::new(Semaphore::new(0)),
            closed: AtomicBool::new(false),
            memory: true,
        }))
    }

    /// The writer connection (waits for this process's other writes to finish).
    pub async fn writer(&self) -> Result<WriterGuard> {
        let guard = self.writer.clone().lock_owned().await;
        self.writer_guard(guard)
    }

    fn writer_guard(&self, guard: OwnedMutexGuard<Option<Connection>>) -> Result<WriterGuard> {
        if guard.is_none() {
            return Err(StoreError::Closed);
        }
        Ok(WriterGuard { guard, busy_timeout: self.busy_timeout, fail_fast: Cell::new(false) })
    }

    /// A connection for reads: a reader, or the writer for `:memory:`.
    pub async fn reader(self: &Arc<Self>) -> Result<SqliteHandle> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        if self.memory {
            return Ok(SqliteHandle::Writer(self.writer().await?));
        }
        // The writer, when no write holds it, serves reads too: its page cache is the one
        // the last write left warm, whereas a reader connection must throw its whole cache
        // away whenever the database changed since its previous read (SQLite resets a
        // connection's pager when the WAL moved on). Reads alternate with writes in an agent
        // turn, so this halves what a read after a write costs. Reader connections take
        // over only while a write is in progress.
        if let Ok(guard) = self.writer.clone().try_lock_owned() {
            return Ok(SqliteHandle::Writer(self.writer_guard(guard)?));
        }
        let permit = self.reader_slots.clone().acquire_owned().await.map_err(|_| StoreError::Closed)?;
        let conn = self.readers.lock().expect("reader list").pop().ok_or(StoreError::Closed)?;
        Ok(SqliteHandle::Reader(ReaderGuard { pool: self.clone(), conn: Some(conn), _permit: permit }))
    }

    /// Close every connection; later calls fail with CLOSED.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.reader_slots.close();
        self.readers.lock().expect("reader list").clear();
        let mut w = self.writer.lock().await;
        if let Some(conn) = w.take() {
            // Fold the WAL back into the database file so nothing is left beside it.
            let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
            drop(conn);
        }
    }
}

/// The writer connection, held for one statement or one transaction.
pub struct WriterGuard {
    guard: OwnedMutexGuard<Option<Connection>>,
    busy_timeout: Duration,
    /// Whether the connection's busy timeout is currently 0 (a synchronous attempt).
    fail_fast: Cell<bool>,
}

impl WriterGuard {
    pub fn conn(&self) -> &Connection {
        let conn = self.guard.as_ref().expect("checked open when acquired");
        // Checked per statement, not per acquisition: an operation that started as a
        // synchronous attempt may finish on a pool thread, where it must wait normally.
        let want = SYNC_ATTEMPT.get();
        if want != self.fail_fast.get() {
            let _ = conn.busy_timeout(if want { Duration::ZERO } else { self.busy_timeout });
            self.fail_fast.set(want);
        }
        conn
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        if self.fail_fast.get() {
            if let Some(conn) = self.guard.as_ref() {
                let _ = conn.busy_timeout(self.busy_timeout);
            }
        }
    }
}

/// A reader connection, returned to the pool when dropped.
pub struct ReaderGuard {
    pool: Arc<SqlitePool>,
    conn: Option<Connection>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for ReaderGuard {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if !self.pool.closed.load(Ordering::Acquire) {
                self.pool.readers.lock().expect("reader list").push(c);
            }
        }
    }
}

/// A connection taken for reads.
pub enum SqliteHandle {
    Reader(ReaderGuard),
    Writer(WriterGuard),
}

impl SqliteHandle {
    pub fn conn(&self) -> &Connection {
        match self {
            SqliteHandle::Reader(r) => r.conn.as_ref().expect("present until dropped"),
            SqliteHandle::Writer(w) => w.conn(),
        }
    }
}

/// An open write transaction on the writer; rolled back if dropped without `commit`.
pub struct SqliteTx {
    guard: WriterGuard,
    open: bool,
}

impl SqliteTx {
    /// `BEGIN IMMEDIATE`: take the database's write lock up front, so a read-modify-write
    /// never fails half-way on lock upgrade (other processes wait up to busy_timeout).
    pub fn begin(guard: WriterGuard) -> Result<SqliteTx> {
        guard.conn().execute_batch("BEGIN IMMEDIATE")?;
        Ok(SqliteTx { guard, open: true })
    }

    pub fn conn(&self) -> &Connection {
        self.guard.conn()
    }

    pub fn commit(mut self) -> Result<()> {
        self.guard.conn().execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.guard.conn().execute_batch("ROLLBACK");
        }
    }
}

fn bind(st: &mut rusqlite::CachedStatement<'_>, args: &[Arg]) -> Result<()> {
    for (i, a) in args.iter().enumerate() {
        let idx = i + 1;
        match a {
            Arg::Text(s) => st.raw_bind_parameter(idx, s.as_str())?,
            Arg::Int(n) => st.raw_bind_parameter(idx, *n)?,
            Arg::Real(f) => st.raw_bind_parameter(idx, *f)?,
            Arg::Bool(b) => st.raw_bind_parameter(idx, i64::from(*b))?,
            Arg::NullText | Arg::NullInt => st.raw_bind_parameter(idx, rusqlite::types::Null)?,
            // Q::rows never makes one for SQLite.
            Arg::TextArray(_) => {
                return Err(StoreError::Database { code: "INTERNAL".into(), message: "array argument on SQLite".into() })
            }
        }
    }
    Ok(())
}

/// Run a statement; the number of rows it changed.
pub fn execute(conn: &Connection, q: &Q) -> Result<u64> {
    let mut st = conn.prepare_cached(&q.sql)?;
    bind(&mut st, &q.args)?;
    Ok(st.raw_execute()? as u64)
}

/// Every row of a query, as owned values.
pub fn fetch_all(conn: &Connection, q: &Q, limit: Option<usize>) -> Result<Vec<Row>> {
    let mut st = conn.prepare_cached(&q.sql)?;
    bind(&mut st, &q.args)?;
    let n = st.column_count();
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            vals.push(r.get::<_, Value>(i)?);
        }
        out.push(Row::Sqlite(vals));
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
    }
    Ok(out)
}
