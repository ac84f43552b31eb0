//! Connection pools and the differences between backends. Domain modules get a `Db`, build
//! statements with its `Dialect` (sql.rs) and run them through exec.rs; nothing above this
//! module names a driver option, a PRAGMA or a dialect's spelling.

pub mod exec;
mod jsonb;
pub mod migrate;
pub mod postgres;
pub mod sql;
pub mod sqlite;
mod walbuf;

use std::sync::Arc;

use tokio::sync::{Mutex, RwLock};

pub use exec::{AnyPool, Conn, Row, Tx};
pub use sql::{Arg, Backend, ColKind, Dialect, NullMatch, Q};

use crate::config::{parse_url, Target};
use crate::error::{Result, StoreError};

/// An open database: one pool per store, shared by every domain of that store.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    pool: RwLock<Option<AnyPool>>,
    dialect: Dialect,
    /// Serialises `init()` inside this process; across processes the migration
    /// transaction's lock (BEGIN IMMEDIATE / an advisory lock) does.
    init_lock: Mutex<bool>,
}

/// Options that tune the pool; everything has a sensible default.
#[derive(Debug, Default, Clone)]
pub struct OpenOptions {
    /// Most pooled connections (SQLite file 4, PostgreSQL 10).
    pub max_connections: Option<u32>,
    /// SQLite: how long a write waits for the lock (ms).
    pub busy_timeout_ms: Option<u32>,
    /// PostgreSQL: the schema holding the tables (default `public`, created if missing).
    pub schema_name: Option<String>,
    /// PostgreSQL: close connections idle this long (ms, default 10 000).
    pub idle_timeout_ms: Option<u32>,
    /// How long to wait for a connection (ms, default 10 000).
    pub connection_timeout_ms: Option<u32>,
    /// SQLite file: `synchronous=FULL` (every commit synced: survives a power loss)
    /// instead of `NORMAL` (survives a process crash; a power loss may lose the last commits).
    pub durability_full: bool,
}

impl Db {
    /// Open the database a URL names, connecting eagerly so a bad path or an unreachable
    /// server fails here with its own code.
    pub async fn open(url: &str, opts: &OpenOptions) -> Result<Db> {
        let (pool, dialect) = match parse_url(url)? {
            Target::SqliteFile(path) => (AnyPool::Sqlite(sqlite::SqlitePool::open_file(&path, opts)?), Dialect::sqlite()),
            Target::SqliteMemory => (AnyPool::Sqlite(sqlite::SqlitePool::open_memory(opts)?), Dialect::sqlite()),
            Target::Postgres(url) => {
                let schema = opts.schema_name.clone().unwrap_or_else(|| "public".into());
                if !sql::check_identifier(&schema) {
                    return Err(StoreError::invalid(format!(
                        "schemaName {schema:?} must be a plain identifier (letters, digits, underscore; not starting with a digit)"
                    )));
                }
                (AnyPool::Postgres(postgres::open(&url, opts).await?), Dialect::postgres(&schema))
            }
        };
        Ok(Db {
            inner: Arc::new(DbInner { pool: RwLock::new(Some(pool)), dialect, init_lock: Mutex::new(false) }),
        })
    }

    /// The SQL dialect (and schema) statements for this database are built in.
    pub fn dialect(&self) -> &Dialect {
        &self.inner.dialect
    }

    /// A new statement in this database's dialect.
    pub fn q(&self) -> Q {
        self.inner.dialect.q()
    }

    /// The pool, or CLOSED once `close()` ran. Cloning a pool is an Arc bump.
    pub async fn pool(&self) -> Result<AnyPool> {
        self.inner.pool.read().await.clone().ok_or(StoreError::Closed)
    }

    /// A pooled connection, for several reads in a row.
    pub async fn conn(&self) -> Result<Conn> {
        self.pool().await?.acquire().await
    }

    /// A write transaction. SQLite takes the database's write lock up front
    /// (`BEGIN IMMEDIATE`), so a read-modify-write never fails half-way on lock upgrade;
    /// PostgreSQL statements lock the rows they read (`Dialect::for_update`).
    pub async fn write_tx(&self) -> Result<Tx> {
        self.pool().await?.begin_write().await
    }

    /// Run the schema migrations once per process (concurrent callers wait for the first).
    pub async fn init(&self) -> Result<()> {
        let mut done = self.inner.init_lock.lock().await;
        if *done {
            return Ok(());
        }
        match self.pool().await? {
            AnyPool::Sqlite(p) => migrate::run_sqlite(&p).await?,
            AnyPool::Postgres(p) => migrate::run_postgres(&p, self.dialect()).await?,
        }
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
