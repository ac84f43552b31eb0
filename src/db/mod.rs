//! Connection pools and the differences between backends. Domain modules get a `Db` and
//! ask it for connections and transactions; nothing above this module names a driver
//! option or a PRAGMA.

pub mod migrate;
pub mod sqlite;

use std::sync::Arc;

use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{Mutex, RwLock};

use crate::config::{parse_url, Target};
use crate::error::{Result, StoreError};

/// An open database: one pool per store, shared by every domain of that store.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    pool: RwLock<Option<SqlitePool>>,
    /// Serialises `init()` inside this process; across processes the migration
    /// transaction itself (BEGIN IMMEDIATE) is the lock.
    init_lock: Mutex<bool>,
}

/// Options that tune the pool; everything has a sensible default.
#[derive(Debug, Default, Clone)]
pub struct OpenOptions {
    pub max_connections: Option<u32>,
    pub busy_timeout_ms: Option<u32>,
}

impl Db {
    /// Open the database a URL names. Opening is lazy on the server side but eager for
    /// SQLite files, so a path that cannot be created fails here with SQLITE_CANTOPEN.
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<Db> {
        let pool = match parse_url(url)? {
            Target::SqliteFile(path) => sqlite::open_file(&path, opts).await?,
            Target::SqliteMemory => sqlite::open_memory(opts).await?,
            Target::Postgres(_) => {
                return Err(StoreError::Unsupported(
                    "PostgreSQL is not supported yet by mastra-native-store: use a file: or :memory: URL"
                        .into(),
                ))
            }
        };
        Ok(Db { inner: Arc::new(DbInner { pool: RwLock::new(Some(pool)), init_lock: Mutex::new(false) }) })
    }

    /// The pool, or CLOSED once `close()` ran. Cloning a pool is an Arc bump.
    pub async fn pool(&self) -> Result<SqlitePool> {
        self.inner.pool.read().await.clone().ok_or(StoreError::Closed)
    }

    /// A write transaction that takes SQLite's write lock up front (`BEGIN IMMEDIATE`), so
    /// a read-modify-write never fails half-way with SQLITE_BUSY on lock upgrade.
    pub async fn write_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        let pool = self.pool().await?;
        Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Run the schema migrations once per process (concurrent callers wait for the first).
    pub async fn init(&self) -> Result<()> {
        let mut done = self.inner.init_lock.lock().await;
        if *done {
            return Ok(());
        }
        let pool = self.pool().await?;
        migrate::run_sqlite(&pool).await?;
        *done = true;
        Ok(())
    }

    /// Close every connection. Idempotent; later calls fail with CLOSED.
    pub async fn close(&self) {
        let pool = self.inner.pool.write().await.take();
        if let Some(pool) = pool {
            pool.close().await;
        }
    }
}
