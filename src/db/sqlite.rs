//! SQLite specifics: the connection pool, PRAGMAs, the in-memory database, and running a
//! statement. Statements run synchronously on the calling task's thread (an embedded
//! database answers in microseconds), so a multi-statement operation costs no thread hops.
//!
//! One writer connection behind an async mutex serialises this process's writes (so no
//! task ever busy-waits on SQLite's lock held by a sibling task); it serves reads too while
//! no write holds it (its page cache is the warm one), and a few reader connections serve
//! reads beside a write in progress (WAL lets them run concurrently). Across processes,
//! `BEGIN IMMEDIATE` plus `busy_timeout` arbitrate.
//!
//! A file database folds its WAL back into the database file on a background thread (see
//! `Checkpointer`), not inside whichever write happens to cross SQLite's autocheckpoint
//! threshold: that write would otherwise pay for copying a thousand pages and two fsyncs.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex as StdMutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::types::{Type, Value, ValueRef};
use rusqlite::{ffi, Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::exec::{utf8, Row};
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

/// New WAL pages after which a commit asks the background thread for a checkpoint
/// (SQLite's own autocheckpoint threshold).
const CHECKPOINT_PAGES: c_int = 1000;
/// WAL pages after which the committing writer checkpoints inline, as SQLite does by
/// default. The background thread cannot let the WAL start over from its beginning while
/// writes keep arriving (that needs a moment when every frame is copied and none is new),
/// so this bounds the WAL (about 32 MB) and then costs only the pages written since the
/// last background round.
const CHECKPOINT_INLINE_PAGES: c_int = 8000;

/// How often the checkpoint thread looks for writes that have paused.
const CHECKPOINT_IDLE: Duration = Duration::from_millis(200);

/// What the writer's WAL hook shares with the checkpoint thread.
struct CheckpointSignal {
    /// (a checkpoint is wanted, the thread must stop)
    state: StdMutex<(bool, bool)>,
    wake: Condvar,
    /// WAL size (pages) at the last request: one request per `CHECKPOINT_PAGES` new pages.
    requested_at: AtomicI32,
    /// Commits so far (the idle checkpoint looks for writes that stopped).
    commits: AtomicU64,
}

impl CheckpointSignal {
    fn set(&self, want: bool, stop: bool) {
        let mut st = self.state.lock().expect("checkpoint state");
        st.0 |= want;
        st.1 |= stop;
        self.wake.notify_one();
    }
}

/// Called by SQLite after every commit on the writer, with the WAL's size in pages.
unsafe extern "C" fn on_wal_commit(arg: *mut c_void, db: *mut ffi::sqlite3, name: *const c_char, pages: c_int) -> c_int {
    // SAFETY: `arg` is the `CheckpointSignal` the writer connection keeps alive (`Writer`).
    let sig = unsafe { &*(arg as *const CheckpointSignal) };
    sig.commits.fetch_add(1, Ordering::Relaxed);
    if pages >= CHECKPOINT_INLINE_PAGES {
        // SAFETY: `db` is the connection that just committed, on its own thread.
        unsafe { ffi::sqlite3_wal_checkpoint_v2(db, name, ffi::SQLITE_CHECKPOINT_PASSIVE, std::ptr::null_mut(), std::ptr::null_mut()) };
        sig.requested_at.store(0, Ordering::Relaxed);
        return ffi::SQLITE_OK;
    }
    let mut last = sig.requested_at.load(Ordering::Relaxed);
    if pages < last {
        last = 0; // the WAL started over
        sig.requested_at.store(0, Ordering::Relaxed);
    }
    if pages >= last + CHECKPOINT_PAGES {
        sig.requested_at.store(pages, Ordering::Relaxed);
        sig.set(true, false);
    }
    ffi::SQLITE_OK
}

/// The thread that checkpoints a file database's WAL (PASSIVE: it copies what no reader
/// still needs, never waits for a lock and never blocks a writer), with its own connection.
struct Checkpointer {
    signal: Arc<CheckpointSignal>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(conn: Connection) -> Result<Checkpointer> {
        let signal = Arc::new(CheckpointSignal {
            state: StdMutex::new((false, false)),
            wake: Condvar::new(),
            requested_at: AtomicI32::new(0),
            commits: AtomicU64::new(0),
        });
        let sig = signal.clone();
        let checkpoint = move || {
            // SAFETY: this thread owns `conn`. A busy or failed round is simply retried
            // at the next request (or done inline by the writer at the hard limit).
            unsafe { ffi::sqlite3_wal_checkpoint_v2(conn.handle(), std::ptr::null(), ffi::SQLITE_CHECKPOINT_PASSIVE, std::ptr::null_mut(), std::ptr::null_mut()) };
        };
        let thread = std::thread::Builder::new()
            .name("mns-sqlite-checkpoint".into())
            .spawn(move || {
                // Commit counts at the last tick and at the last checkpoint.
                let (mut seen, mut folded) = (0u64, 0u64);
                loop {
                    let wanted = {
                        let mut st = sig.state.lock().expect("checkpoint state");
                        if !st.0 && !st.1 {
                            st = sig.wake.wait_timeout(st, CHECKPOINT_IDLE).expect("checkpoint state").0;
                        }
                        if st.1 {
                            return;
                        }
                        std::mem::take(&mut st.0)
                    };
                    let commits = sig.commits.load(Ordering::Relaxed);
                    // On request; or once writes have paused for a tick, fold the rest, so
                    // reads (which must look every page up in the WAL while it holds
                    // frames not yet in the database file) go straight to the file.
                    if wanted || (commits != folded && commits == seen) {
                        checkpoint();
                        folded = commits;
                    }
                    seen = commits;
                }
            })
            .map_err(|e| StoreError::db("INTERNAL", format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { signal, thread: Some(thread) })
    }

    /// Hook the writer connection up to this thread (replacing SQLite's autocheckpoint).
    fn attach(&self, conn: Connection) -> Writer {
        // SAFETY: `Writer` keeps the signal alive for as long as the connection (its field
        // order drops the connection first).
        unsafe { ffi::sqlite3_wal_hook(conn.handle(), Some(on_wal_commit), Arc::as_ptr(&self.signal) as *mut c_void) };
        Writer { conn, _hooked_to: Some(self.signal.clone()) }
    }

    /// Stop the thread after its current round (if any).
    fn stop(&mut self) {
        self.signal.set(false, true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // A store dropped without close(): let the thread finish on its own.
        self.signal.set(false, true);
    }
}

/// The writer connection, and the checkpoint signal its WAL hook points at.
pub struct Writer {
    conn: Connection,
    _hooked_to: Option<Arc<CheckpointSignal>>,
}

/// The connections of one SQLite database.
pub struct SqlitePool {
    busy_timeout: Duration,
    writer: Arc<Mutex<Option<Writer>>>,
    readers: StdMutex<Vec<Connection>>,
    reader_slots: Arc<Semaphore>,
    closed: AtomicBool,
    /// `:memory:`: the writer is the only connection and serves reads too.
    memory: bool,
    checkpointer: StdMutex<Option<Checkpointer>>,
}

fn busy_timeout(opts: &OpenOptions) -> Duration {
    Duration::from_millis(opts.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS) as u64)
}

fn configure(conn: &Connection, opts: &OpenOptions, file: bool) -> Result<()> {
    conn.busy_timeout(busy_timeout(opts))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // As @mastra/libsql configures local files: WAL (readers never block the writer),
    // synchronous=NORMAL (durable across process crashes), a 16 MB page cache, 128 MB mmap.
    // `durability: 'full'` makes every commit sync the WAL, so it survives a power loss too.
    let pragmas = if file {
        "PRAGMA journal_mode=WAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA mmap_size=134217728;"
    } else {
        "PRAGMA temp_store=MEMORY;"
    };
    conn.execute_batch(pragmas)?;
    if file {
        conn.execute_batch(if opts.durability_full { "PRAGMA synchronous=FULL;" } else { "PRAGMA synchronous=NORMAL;" })?;
    }
    super::jsonb::register(conn)?;
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
        // Every connection of a file database writes its WAL through walbuf.rs.
        let walbuf = super::walbuf::register();
        let open = |path: &str| -> Result<Connection> {
            if !walbuf {
                return Ok(Connection::open_with_flags(path, flags)?);
            }
            let conn = Connection::open_with_flags_and_vfs(path, flags, super::walbuf::NAME.to_str().expect("ASCII"))?;
            super::walbuf::attach(&conn);
            Ok(conn)
        };
        let writer = open(path)?;
        configure(&writer, opts, true)?;
        let ckpt_conn = open(path)?;
        configure(&ckpt_conn, opts, true)?;
        let checkpointer = Checkpointer::start(ckpt_conn)?;
        let writer = checkpointer.attach(writer);
        let n_readers = opts.max_connections.unwrap_or(4).saturating_sub(1).max(1) as usize;
        let mut readers = Vec::with_capacity(n_readers);
        for _ in 0..n_readers {
            let r = open(path)?;
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
            checkpointer: StdMutex::new(Some(checkpointer)),
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
            writer: Arc::new(Mutex::new(Some(Writer { conn, _hooked_to: None }))),
            readers: StdMutex::new(Vec::new()),
            reader_slots: Arc::new(Semaphore::new(0)),
            closed: AtomicBool::new(false),
            memory: true,
            checkpointer: StdMutex::new(None),
        }))
    }

    /// The writer connection (waits for this process's other writes to finish).
    pub async fn writer(&self) -> Result<WriterGuard> {
        let guard = self.writer.clone().lock_owned().await;
        self.writer_guard(guard)
    }

    fn writer_guard(&self, guard: OwnedMutexGuard<Option<Writer>>) -> Result<WriterGuard> {
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
        let ckpt = self.checkpointer.lock().expect("checkpointer").take();
        if let Some(mut c) = ckpt {
            c.stop();
        }
        let mut w = self.writer.lock().await;
        if let Some(writer) = w.take() {
            // Fold the WAL back into the database file so nothing is left beside it.
            let _ = writer.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
            drop(writer);
        }
    }
}

/// The writer connection, held for one statement or one transaction.
pub struct WriterGuard {
    guard: OwnedMutexGuard<Option<Writer>>,
    busy_timeout: Duration,
    /// Whether the connection's busy timeout is currently 0 (a synchronous attempt).
    fail_fast: Cell<bool>,
}

impl WriterGuard {
    pub fn conn(&self) -> &Connection {
        let conn = &self.guard.as_ref().expect("checked open when acquired").conn;
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
            if let Some(w) = self.guard.as_ref() {
                let _ = w.conn.busy_timeout(self.busy_timeout);
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
        // BEGIN and COMMIT come from the statement cache like any other statement:
        // `execute_batch` compiled them afresh for every transaction.
        guard.conn().prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(SqliteTx { guard, open: true })
    }

    pub fn conn(&self) -> &Connection {
        self.guard.conn()
    }

    pub fn commit(mut self) -> Result<()> {
        self.guard.conn().prepare_cached("COMMIT")?.execute([])?;
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
                return Err(StoreError::db("INTERNAL", "array argument on SQLite"))
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
            vals.push(match r.get_ref(i)? {
                ValueRef::Text(b) => Value::Text(utf8(b).map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, e.into()))?.to_owned()),
                other => other.into(),
            });
        }
        out.push(Row::Sqlite(vals));
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_size(path: &str) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    /// A fresh database file with one table, and a runtime to drive the pool's async API.
    fn fresh(name: &str) -> (String, Arc<SqlitePool>, tokio::runtime::Runtime) {
        let path = std::env::temp_dir().join(format!("mns-{name}-{}.db", std::process::id()));
        let path = path.to_string_lossy().into_owned();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let pool = SqlitePool::open_file(&path, &OpenOptions::default()).unwrap();
        rt.block_on(async { pool.writer().await.unwrap().conn().execute_batch("CREATE TABLE t (b BLOB)").unwrap() });
        (path, pool, rt)
    }

    /// One commit per row, each row `kb` KiB: about kb/4 + 1 WAL pages per commit.
    fn insert_rows(rt: &tokio::runtime::Runtime, pool: &SqlitePool, rows: usize, kb: usize) {
        rt.block_on(async {
            let w = pool.writer().await.unwrap();
            for _ in 0..rows {
                w.conn().execute("INSERT INTO t (b) VALUES (zeroblob(?1))", [kb * 1024]).unwrap();
            }
        });
    }

    /// Whether the file reaches `target` bytes within 10 s, calling `meanwhile` between looks.
    fn reaches(path: &str, target: u64, mut meanwhile: impl FnMut()) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_size(path) < target && std::time::Instant::now() < deadline {
            meanwhile();
        }
        file_size(path) >= target
    }

    /// Text columns come back as they are stored, multi-byte characters included, and text
    /// that is not UTF-8 is an error, never a guess.
    #[test]
    fn text_columns_are_checked_utf8() {
        let conn = Connection::open_in_memory().unwrap();
        let text = "café 東京 🚀 ".repeat(50) + "end";
        let mut q = crate::db::Dialect::sqlite().q();
        q.s("SELECT ").a(&text).s(", 7, NULL");
        let rows = fetch_all(&conn, &q, None).unwrap();
        assert_eq!(rows[0].text(0).unwrap().as_deref(), Some(text.as_str()));
        assert_eq!(rows[0].int(1).unwrap(), 7);
        assert_eq!(rows[0].text(2).unwrap(), None);
        let mut q = crate::db::Dialect::sqlite().q();
        q.s("SELECT CAST(x'636166c3' AS TEXT)");
        assert!(fetch_all(&conn, &q, None).is_err(), "a truncated UTF-8 sequence");
    }

    /// The bundled SQLite is built without memory statistics (.cargo/config.toml's
    /// LIBSQLITE3_FLAGS): with them, every malloc and free takes a global mutex. A build that
    /// lost the flag counts the memory a connection uses, and this fails.
    #[test]
    fn sqlite_keeps_no_memory_statistics() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES (hex(randomblob(5000)));").unwrap();
        // SAFETY: plain reads of SQLite's global counters.
        let (used, peak) = unsafe { (ffi::sqlite3_memory_used(), ffi::sqlite3_memory_highwater(0)) };
        assert_eq!((used, peak), (0, 0), "SQLite is counting its allocations");
        drop(conn);
    }

    #[test]
    fn the_background_thread_copies_the_wal_into_the_database_file() {
        let (path, pool, rt) = fresh("ckpt-bg");
        // ~2,500 WAL pages: past the request threshold, well short of the inline one, so
        // only the background thread can have moved pages into the database file. Writes
        // go on (a small row every 5 ms, ~2 pages each) so that the idle round, which
        // waits for a tick without commits, cannot be the one that copied them.
        let target = file_size(&path) + 4_000_000;
        insert_rows(&rt, &pool, 800, 8);
        let copied = reaches(&path, target, || {
            insert_rows(&rt, &pool, 1, 1);
            std::thread::sleep(Duration::from_millis(5));
        });
        assert!(copied, "database file still {} bytes", file_size(&path));
        rt.block_on(pool.close());
        assert_eq!(file_size(&format!("{path}-wal")), 0, "close() folds the WAL away");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn the_background_thread_folds_a_small_wal_once_writes_pause() {
        let (path, pool, rt) = fresh("ckpt-idle");
        // ~150 WAL pages, far below the request threshold: only the idle round copies them.
        let target = file_size(&path) + 300_000;
        insert_rows(&rt, &pool, 50, 8);
        let copied = reaches(&path, target, || std::thread::sleep(Duration::from_millis(20)));
        assert!(copied, "database file still {} bytes", file_size(&path));
        rt.block_on(pool.close());
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn the_wal_stays_bounded_under_uninterrupted_writes() {
        let (path, pool, rt) = fresh("ckpt-bound");
        // ~27,000 WAL pages with no pause between commits: the WAL must start over (after
        // the writer's inline checkpoint) instead of growing with every write. Headroom:
        // the inline checkpoint is retried on each commit while a background round holds
        // the checkpoint lock, which on a loaded machine can take a few hundred commits
        // (measured up to ~4,200 pages past the limit with the whole test suite running).
        insert_rows(&rt, &pool, 9_000, 8);
        let wal = file_size(&format!("{path}-wal"));
        let bound = (CHECKPOINT_INLINE_PAGES as u64 * 2) * (4096 + 24);
        assert!(wal <= bound, "WAL is {wal} bytes, bound {bound}");
        let rows: i64 = rt.block_on(async { pool.writer().await.unwrap().conn().query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap() });
        assert_eq!(rows, 9_000);
        rt.block_on(pool.close());
        let _ = std::fs::remove_file(&path);
    }
}
