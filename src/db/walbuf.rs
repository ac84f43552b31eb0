//! A VFS shim over SQLite's default VFS ("unix" on Linux) that writes a file database's WAL
//! in one system call per commit instead of two per page.
//!
//! Why: SQLite appends each WAL frame as two `pwrite`s (the 24-byte frame header, then the
//! page), so a one-message `saveMessages` (about 9 pages: the row, five index leaves, the
//! thread and its index) makes ~20 `pwrite`s. perf put those calls at ~20% of a
//! single-message save on a file, much of it per call (syscall entry, ext4's write checks,
//! inode timestamps) and per touched page-cache page (a 4,120-byte frame straddles two).
//!
//! What: a WAL handle keeps the frames it appends in a buffer and writes them out with one
//! `pwrite` (64 KiB per call at most, the unix VFS's limit) when it appends a commit frame's
//! page (the frame header's "database size" field is non-zero only on a commit frame).
//! Only that shape of write is delayed; everything else sees the file as SQLite wrote it:
//! - A commit's frames reach the file before its `xWrite` returns, and so before SQLite
//!   publishes the commit in the shared wal-index: no reader, in this process or another,
//!   can look for a frame that is still buffered.
//! - Any other call on the handle (read, sync, size, truncate, file control) writes the
//!   buffer first; if that fails it reports an I/O error, which makes SQLite roll the whole
//!   transaction back (the frames it thought written are lost). A write below what this
//!   handle has already appended (SQLite rewriting a frame of the current transaction, or
//!   its checksums) goes straight through, after the buffer.
//! - Frames a transaction spilled before rolling back are dropped, never written (the
//!   connection's rollback hook, `attach`): by then another connection may own those
//!   offsets. Closing a handle drops what is left for the same reason. A crash loses only
//!   frames of transactions that never committed, which SQLite ignores anyway.
//! - A WAL without power-safe overwrite (URI `psow=0`), whose synchronous=FULL commits are
//!   padded and synced mid-frame, is not buffered at all.
//! Database, journal and temporary files are opened by the underlying VFS directly, untouched.

use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;

use rusqlite::ffi;

/// The name connections pass to `sqlite3_open_v2` to use this VFS.
pub const NAME: &CStr = c"mns-walbuf";

/// A buffer this large is written out even before a commit (a spill, or a very large
/// transaction), so a connection never holds more than this for its WAL.
const CAP: usize = 256 * 1024;
/// The most the unix VFS's xWrite takes in one call (it masks the length to 17 bits).
const WRITE_MAX: usize = 64 * 1024;
/// SQLite's WAL header (written at offset 0 when the WAL starts over) and frame header.
const WAL_HEADER: c_int = 32;
const FRAME_HEADER: c_int = 24;

/// What SQLite allocates for a WAL handle of this VFS: this header, then the unix VFS's own
/// file object (`szOsFile` bytes), which every method forwards to.
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    buf: *mut Pending,
}

const HEADER: usize = (std::mem::size_of::<WalFile>() + 15) & !15;

#[derive(Default)]
struct Pending {
    /// File offset of `data[0]`.
    start: i64,
    data: Vec<u8>,
    /// End of what this handle has appended in the current WAL generation: a write below it
    /// rewrites a frame and is not buffered.
    appended: i64,
    /// The last buffered write was a commit frame's header: its page ends the commit.
    commit_next: bool,
}

/// The default VFS ("unix" on Linux), as found at registration.
static REAL: OnceLock<usize> = OnceLock::new();
static REGISTERED: OnceLock<std::result::Result<(), c_int>> = OnceLock::new();

/// Registers the VFS (once per process). Connections opt in by name; on failure they keep
/// the default VFS, which only costs the speed-up.
pub fn register() -> bool {
    REGISTERED
        .get_or_init(|| unsafe {
            let real = ffi::sqlite3_vfs_find(std::ptr::null());
            if real.is_null() {
                return Err(ffi::SQLITE_ERROR);
            }
            let _ = REAL.set(real as usize);
            // A copy of the default VFS (every other method, and pAppData, as they are), with
            // a larger file object and our xOpen.
            let mut vfs: ffi::sqlite3_vfs = *real;
            vfs.zName = NAME.as_ptr();
            vfs.szOsFile = (*real).szOsFile + HEADER as c_int;
            vfs.xOpen = Some(x_open);
            vfs.pNext = std::ptr::null_mut();
            let rc = ffi::sqlite3_vfs_register(Box::leak(Box::new(vfs)), 0);
            if rc == ffi::SQLITE_OK {
                Ok(())
            } else {
                Err(rc)
            }
        })
        .is_ok()
}

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    *REAL.get().expect("registered") as *mut ffi::sqlite3_vfs
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let real = real_vfs();
    let open = (*real).xOpen.expect("unix xOpen");
    if flags & ffi::SQLITE_OPEN_WAL == 0 {
        // Not a WAL: the unix file object fills the allocation from its start and keeps the
        // unix methods, so SQLite calls them directly.
        return open(real, name, file, flags, out_flags);
    }
    let wal = file as *mut WalFile;
    (*wal).base.pMethods = std::ptr::null();
    let inner = inner(file);
    let rc = open(real, name, inner, flags, out_flags);
    if rc != ffi::SQLITE_OK || (*inner).pMethods.is_null() {
        return rc;
    }
    let caps = match (*(*inner).pMethods).xDeviceCharacteristics {
        Some(dc) => dc(inner),
        None => 0,
    };
    // SQLite decides on padding from the database file, whose `psow` URI parameter the WAL
    // handle does not apply to itself: both are checked.
    if caps & ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE == 0 || ffi::sqlite3_uri_boolean(name, c"psow".as_ptr(), 1) == 0 {
        // Without power-safe overwrite (URI `psow=0`), a synchronous=FULL commit pads the
        // WAL to a sector boundary and syncs in the middle of a frame: too many shapes to
        // buffer safely for a setting this store never uses. Such a WAL is written as is.
        (*(*inner).pMethods).xClose.expect("xClose")(inner);
        return open(real, name, file, flags, out_flags);
    }
    (*wal).buf = Box::into_raw(Box::default());
    (*wal).base.pMethods = &WAL_METHODS;
    rc
}

unsafe fn inner(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    (f as *mut u8).add(HEADER) as *mut ffi::sqlite3_file
}

unsafe fn methods(f: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    &*(*inner(f)).pMethods
}

unsafe fn pending<'a>(f: *mut ffi::sqlite3_file) -> &'a mut Pending {
    &mut *(*(f as *mut WalFile)).buf
}

/// Writes the buffer out (a no-op when empty). The buffer is emptied either way: after a
/// failed write SQLite abandons the transaction, and its frames with it.
unsafe fn flush(f: *mut ffi::sqlite3_file, p: &mut Pending) -> c_int {
    if p.data.is_empty() {
        return ffi::SQLITE_OK;
    }
    let write = methods(f).xWrite.expect("xWrite");
    let mut rc = ffi::SQLITE_OK;
    for (i, chunk) in p.data.chunks(WRITE_MAX).enumerate() {
        #[cfg(test)]
        tests::WAL_WRITES.with(|n| n.set(n.get() + 1));
        rc = write(inner(f), chunk.as_ptr() as *const c_void, chunk.len() as c_int, p.start + (i * WRITE_MAX) as i64);
        if rc != ffi::SQLITE_OK {
            break;
        }
    }
    p.data.clear();
    rc
}

/// `flush` for a call other than a write. Its failure loses frames SQLite believes written,
/// so it must end the transaction: an I/O error does (SQLite rolls the whole transaction
/// back), where SQLITE_FULL from a read would only undo the current statement.
unsafe fn flush_before(f: *mut ffi::sqlite3_file) -> c_int {
    match flush(f, pending(f)) {
        ffi::SQLITE_OK => ffi::SQLITE_OK,
        _ => ffi::SQLITE_IOERR_WRITE,
    }
}

unsafe extern "C" fn x_write(f: *mut ffi::sqlite3_file, src: *const c_void, n: c_int, off: i64) -> c_int {
    let p = pending(f);
    let new_generation = n == WAL_HEADER && off == 0;
    if off < p.appended && !new_generation {
        // A rewrite of a frame this transaction already wrote: in order, and unbuffered.
        let rc = flush(f, p);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        #[cfg(test)]
        tests::WAL_WRITES.with(|n| n.set(n.get() + 1));
        return (methods(f).xWrite.expect("xWrite"))(inner(f), src, n, off);
    }
    if new_generation {
        let rc = flush(f, p);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        p.appended = 0;
    }
    if !p.data.is_empty() && (off != p.start + p.data.len() as i64 || p.data.len() + n as usize > CAP) {
        let rc = flush(f, p);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
    }
    let bytes = std::slice::from_raw_parts(src as *const u8, n as usize);
    if p.data.is_empty() {
        p.start = off;
    }
    p.data.extend_from_slice(bytes);
    p.appended = p.appended.max(off + n as i64);
    if n == FRAME_HEADER {
        // Bytes 4..8 of a frame header: the database size after a commit, 0 otherwise.
        p.commit_next = bytes[4..8] != [0, 0, 0, 0];
        return ffi::SQLITE_OK;
    }
    if p.commit_next {
        p.commit_next = false;
        return flush(f, p);
    }
    ffi::SQLITE_OK
}

/// Called by SQLite after a transaction of `arg` (the connection) rolled back: frames it
/// spilled before rolling back are still buffered, and must never be written — the write
/// lock is released, and another connection may by now have committed frames at those
/// offsets. The next transaction starts from SQLite's WAL end again, below what this
/// handle appended, and none of its rewrites can reach back before its own first frame.
unsafe extern "C" fn on_rollback(arg: *mut c_void) {
    let db = arg as *mut ffi::sqlite3;
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    let rc = ffi::sqlite3_file_control(db, c"main".as_ptr(), ffi::SQLITE_FCNTL_JOURNAL_POINTER, &mut file as *mut _ as *mut c_void);
    if rc == ffi::SQLITE_OK && !file.is_null() && std::ptr::eq((*file).pMethods, &WAL_METHODS) {
        let p = pending(file);
        p.data.clear();
        p.commit_next = false;
        p.appended = 0;
    }
}

/// Sets up a connection opened with this VFS (its rollback hook; see `on_rollback`).
pub fn attach(conn: &rusqlite::Connection) {
    // SAFETY: the hook's argument is the connection's own handle, valid while the hook can run.
    unsafe {
        let db = conn.handle();
        ffi::sqlite3_rollback_hook(db, Some(on_rollback), db as *mut c_void);
    }
}

unsafe extern "C" fn x_close(f: *mut ffi::sqlite3_file) -> c_int {
    // Anything still buffered belongs to a transaction that never committed (a commit writes
    // its frames before it returns): dropped, not written.
    let rc = (methods(f).xClose.expect("xClose"))(inner(f));
    drop(Box::from_raw((*(f as *mut WalFile)).buf));
    (*(f as *mut WalFile)).buf = std::ptr::null_mut();
    rc
}

unsafe extern "C" fn x_read(f: *mut ffi::sqlite3_file, dst: *mut c_void, n: c_int, off: i64) -> c_int {
    let rc = flush_before(f);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    (methods(f).xRead.expect("xRead"))(inner(f), dst, n, off)
}

unsafe extern "C" fn x_truncate(f: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let rc = flush_before(f);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    let p = pending(f);
    p.appended = p.appended.min(size);
    (methods(f).xTruncate.expect("xTruncate"))(inner(f), size)
}

unsafe extern "C" fn x_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    let rc = flush_before(f);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    (methods(f).xSync.expect("xSync"))(inner(f), flags)
}

unsafe extern "C" fn x_file_size(f: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    let rc = flush_before(f);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    (methods(f).xFileSize.expect("xFileSize"))(inner(f), size)
}

unsafe extern "C" fn x_file_control(f: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    let rc = flush_before(f);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    (methods(f).xFileControl.expect("xFileControl"))(inner(f), op, arg)
}

unsafe extern "C" fn x_fetch(f: *mut ffi::sqlite3_file, off: i64, n: c_int, pp: *mut *mut c_void) -> c_int {
    let rc = flush_before(f);
    if rc != ffi::SQLITE_OK {
        return rc;
    }
    match methods(f).xFetch {
        Some(m) => m(inner(f), off, n, pp),
        None => {
            *pp = std::ptr::null_mut();
            ffi::SQLITE_OK
        }
    }
}

// The rest forward as they are (a WAL file is never locked, mapped or shared-memory'd by
// SQLite, but a faithful handle answers like the one it wraps).
unsafe extern "C" fn x_lock(f: *mut ffi::sqlite3_file, l: c_int) -> c_int {
    (methods(f).xLock.expect("xLock"))(inner(f), l)
}
unsafe extern "C" fn x_unlock(f: *mut ffi::sqlite3_file, l: c_int) -> c_int {
    (methods(f).xUnlock.expect("xUnlock"))(inner(f), l)
}
unsafe extern "C" fn x_check_reserved_lock(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    (methods(f).xCheckReservedLock.expect("xCheckReservedLock"))(inner(f), out)
}
unsafe extern "C" fn x_sector_size(f: *mut ffi::sqlite3_file) -> c_int {
    (methods(f).xSectorSize.expect("xSectorSize"))(inner(f))
}
unsafe extern "C" fn x_device_characteristics(f: *mut ffi::sqlite3_file) -> c_int {
    (methods(f).xDeviceCharacteristics.expect("xDeviceCharacteristics"))(inner(f))
}
unsafe extern "C" fn x_shm_map(f: *mut ffi::sqlite3_file, pg: c_int, sz: c_int, extend: c_int, pp: *mut *mut c_void) -> c_int {
    match methods(f).xShmMap {
        Some(m) => m(inner(f), pg, sz, extend, pp),
        None => ffi::SQLITE_IOERR_SHMMAP,
    }
}
unsafe extern "C" fn x_shm_lock(f: *mut ffi::sqlite3_file, off: c_int, n: c_int, flags: c_int) -> c_int {
    match methods(f).xShmLock {
        Some(m) => m(inner(f), off, n, flags),
        None => ffi::SQLITE_IOERR_SHMLOCK,
    }
}
unsafe extern "C" fn x_shm_barrier(f: *mut ffi::sqlite3_file) {
    if let Some(m) = methods(f).xShmBarrier {
        m(inner(f))
    }
}
unsafe extern "C" fn x_shm_unmap(f: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    match methods(f).xShmUnmap {
        Some(m) => m(inner(f), delete),
        None => ffi::SQLITE_OK,
    }
}
unsafe extern "C" fn x_unfetch(f: *mut ffi::sqlite3_file, off: i64, p: *mut c_void) -> c_int {
    match methods(f).xUnfetch {
        Some(m) => m(inner(f), off, p),
        None => ffi::SQLITE_OK,
    }
}

static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: Some(x_fetch),
    xUnfetch: Some(x_unfetch),
};

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};

    thread_local! {
        /// Writes this VFS sent to the unix VFS's WAL handles on this thread (a test's
        /// connection writes on the test's thread; other tests run on theirs).
        pub static WAL_WRITES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    fn fresh(name: &str) -> String {
        let path = std::env::temp_dir().join(format!("mns-walbuf-{name}-{}.db", std::process::id()));
        let path = path.to_string_lossy().into_owned();
        remove(&path);
        path
    }

    fn remove(path: &str) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }

    fn flags() -> OpenFlags {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    }

    /// A connection through this VFS, set up as the store's are, but with a tiny page cache
    /// (so large transactions spill frames before they commit) and no autocheckpoint.
    fn writer(path: &str) -> Connection {
        through_vfs(path, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=8;")
    }

    /// A connection through this VFS (set up as the store's are: `attach`ed, WAL, no
    /// autocheckpoint) with `pragmas`, and the test table.
    fn through_vfs(uri: &str, pragmas: &str) -> Connection {
        assert!(register());
        let c = Connection::open_with_flags_and_vfs(uri, flags() | OpenFlags::SQLITE_OPEN_URI, NAME.to_str().unwrap()).unwrap();
        attach(&c);
        c.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; {pragmas} PRAGMA wal_autocheckpoint=0;
             CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v BLOB NOT NULL);"
        ))
        .unwrap();
        c
    }

    /// A connection through SQLite's default VFS: what any other program would use.
    fn plain(path: &str) -> Connection {
        let c = Connection::open_with_flags(path, flags()).unwrap();
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c
    }

    /// (rows, total bytes) as a connection sees them.
    fn state(c: &Connection) -> (i64, i64) {
        c.query_row("SELECT COUNT(*), COALESCE(SUM(length(v)), 0) FROM t", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap()
    }

    /// Transactions of every shape the shim treats differently, each checked from another
    /// VFS the moment it commits, across WAL restarts: one small row; a transaction larger
    /// than the buffer and than one write; one that spills frames early and then rewrites
    /// spilled pages before committing (SQLite overwrites those frames in place and
    /// rewrites their checksums); and a rolled-back spill followed by more commits.
    #[test]
    fn every_commit_is_on_disk_when_it_returns_and_the_wal_stays_valid() {
        let path = fresh("shapes");
        let w = writer(&path);
        let r = plain(&path);
        let mut want = (0i64, 0i64);
        let mut next = 0i64;
        let mut insert = |w: &Connection, rows: usize, size: usize, want: &mut (i64, i64)| {
            for _ in 0..rows {
                next += 1;
                w.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(?2))", rusqlite::params![format!("k{next:08}"), size as i64]).unwrap();
                want.0 += 1;
                want.1 += size as i64;
            }
        };
        for round in 0..3 {
            // One small row per commit.
            for _ in 0..20 {
                insert(&w, 1, 300, &mut want);
                assert_eq!(state(&r), want, "round {round}: a one-row commit");
            }
            // 600 KB in one commit: over the 256 KiB buffer and the 64 KiB write.
            w.execute_batch("BEGIN").unwrap();
            insert(&w, 30, 20_000, &mut want);
            w.execute_batch("COMMIT").unwrap();
            assert_eq!(state(&r), want, "round {round}: a 600 KB commit");
            // Spill, then rewrite the spilled pages, then commit.
            w.execute_batch("BEGIN").unwrap();
            insert(&w, 400, 1_000, &mut want);
            w.execute("UPDATE t SET v = zeroblob(length(v) + 1)", []).unwrap();
            w.execute("UPDATE t SET v = zeroblob(length(v) - 1)", []).unwrap();
            w.execute_batch("COMMIT").unwrap();
            assert_eq!(state(&r), want, "round {round}: a spilled commit");
            // A spilled transaction rolled back leaves nothing behind.
            w.execute_batch("BEGIN").unwrap();
            let mut lost = (0, 0);
            insert(&w, 400, 1_000, &mut lost);
            w.execute_batch("ROLLBACK").unwrap();
            insert(&w, 3, 300, &mut want);
            assert_eq!(state(&r), want, "round {round}: after a rollback");
            assert_eq!(state(&w), want);
            // The other VFS empties the WAL: the writer starts it over (a new header at 0).
            let busy: i64 = r.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0)).unwrap();
            assert_eq!(busy, 0);
        }
        let ok: String = r.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
        assert_eq!(ok, "ok");
        drop((w, r));
        remove(&path);
    }

    /// A crash right after a commit: copies of the database and WAL files, taken while the
    /// writer is still open, are recovered by the default VFS, which checks every frame's
    /// checksum chain and keeps only what precedes the first bad one. Every commit must be
    /// there, including ones whose frames SQLite rewrote.
    #[test]
    fn a_copy_taken_after_any_commit_recovers_every_commit() {
        let path = fresh("crash");
        let copy = fresh("crash-copy");
        let w = writer(&path);
        let mut rows = 0i64;
        for step in 0..12 {
            w.execute_batch("BEGIN").unwrap();
            let n = [1, 25, 500][step % 3];
            for i in 0..n {
                w.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(700))", [format!("s{step}-{i}")]).unwrap();
            }
            if n == 500 {
                w.execute("UPDATE t SET v = zeroblob(701) WHERE k LIKE 's%'", []).unwrap();
            }
            w.execute_batch("COMMIT").unwrap();
            rows += n as i64;
            assert_eq!(recovered_rows(&path, &copy), rows, "step {step}: the recovered copy lost a commit");
        }
        drop(w);
        remove(&path);
        remove(&copy);
    }

    /// Recovers copies of the database and WAL files with the default VFS, as after a crash.
    fn recovered_rows(path: &str, copy: &str) -> i64 {
        remove(copy);
        std::fs::copy(path, copy).unwrap();
        std::fs::copy(format!("{path}-wal"), format!("{copy}-wal")).unwrap();
        let c = plain(copy);
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
        c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap()
    }

    /// Frames spilled by a transaction that then rolls back are never written later: by
    /// then another connection may have committed frames at the same offsets.
    #[test]
    fn a_rolled_back_spill_never_overwrites_another_connections_commit() {
        let path = fresh("spill-rollback");
        let copy = fresh("spill-rollback-copy");
        let w = writer(&path);
        let other = plain(&path);
        for round in 0..3 {
            let busy: i64 = other.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)).unwrap();
            assert_eq!(busy, 0);
            w.execute_batch("BEGIN").unwrap();
            for i in 0..40 {
                w.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(1000))", [format!("lost{round}-{i}")]).unwrap();
            }
            w.execute_batch("ROLLBACK").unwrap();
            other.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(3000))", [format!("kept{round}")]).unwrap();
            other.execute("UPDATE t SET v = zeroblob(2000) WHERE k = ?1", [format!("kept{round}")]).unwrap();
            // The writer reads (and then writes) after the other connection's commits.
            assert_eq!(state(&w), (2 * round as i64 + 1, 2000 * (round + 1) as i64 + round as i64));
            w.execute("INSERT INTO t (k, v) VALUES (?1, x'00')", [format!("w{round}")]).unwrap();
            let ok: String = other.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
            assert_eq!(ok, "ok", "round {round}");
            assert_eq!(state(&other), (2 * (round + 1) as i64, 2001 * (round + 1) as i64));
            assert_eq!(recovered_rows(&path, &copy), 2 * (round + 1) as i64);
        }
        drop((w, other));
        remove(&path);
        remove(&copy);
    }

    /// With `psow=0` and synchronous=FULL, SQLite pads each commit to a sector boundary and
    /// syncs inside it; such a WAL is written unbuffered, and every commit is on disk.
    #[test]
    fn a_wal_without_powersafe_overwrite_is_written_as_is() {
        let path = fresh("psow");
        let copy = fresh("psow-copy");
        let w = through_vfs(&format!("file:{path}?psow=0"), "PRAGMA synchronous=FULL;");
        let r = plain(&path);
        for i in 0..30 {
            w.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(?2))", rusqlite::params![format!("p{i}"), 100 + i * 37]).unwrap();
            assert_eq!(state(&r).0, i as i64 + 1);
        }
        assert_eq!(recovered_rows(&path, &copy), 30);
        drop((w, r));
        remove(&path);
        remove(&copy);
    }

    /// The point of the shim: a commit's frames go out in one write, not two per page.
    #[test]
    fn a_small_commit_is_one_write() {
        let path = fresh("count");
        let w = writer(&path);
        w.execute_batch("CREATE INDEX IF NOT EXISTS t_v ON t (v); INSERT INTO t (k, v) VALUES ('warm', x'00')").unwrap();
        let before = WAL_WRITES.with(|n| n.get());
        for i in 0..50 {
            // Three pages per commit at least: the table, the unique index and t_v.
            w.execute("INSERT INTO t (k, v) VALUES (?1, randomblob(50))", [format!("c{i}")]).unwrap();
        }
        let writes = WAL_WRITES.with(|n| n.get()) - before;
        assert_eq!(writes, 50, "one write per commit");
        let frames: i64 = w.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).unwrap();
        assert!(frames >= 150, "the commits wrote {frames} frames");
        drop(w);
        remove(&path);
    }
}

