//! SQLite specifics: connection options, PRAGMAs and the in-memory database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::OpenOptions;
use crate::error::Result;

const DEFAULT_BUSY_TIMEOUT_MS: u32 = 5_000;

fn base_options(opts: &OpenOptions) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .busy_timeout(Duration::from_millis(opts.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS) as u64))
        .foreign_keys(false)
        .pragma("temp_store", "MEMORY")
        .pragma("cache_size", "-16000")
        .statement_cache_capacity(256)
}

/// A file database: WAL so readers never block the writer, synchronous=NORMAL (durable
/// across process crashes, as @mastra/libsql configures it), busy_timeout on every
/// pooled connection.
pub async fn open_file(path: &str, opts: &OpenOptions) -> Result<SqlitePool> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            // Same courtesy as libsql: a missing parent directory is not an error to the user.
            let _ = std::fs::create_dir_all(dir);
        }
    }
    let options = base_options(opts)
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("mmap_size", "134217728");
    let pool = SqlitePoolOptions::new()
        .max_connections(opts.max_connections.unwrap_or(4))
        .min_connections(1)
        .acquire_timeout(Duration::from_millis(opts.connection_timeout_ms.unwrap_or(30_000) as u64))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// One private in-memory database for the whole store. SQLite gives each connection its
/// own `:memory:` database, so the pool is a single connection that never idles out:
/// every domain sees the same data, and it lives exactly as long as the store.
pub async fn open_memory(opts: &OpenOptions) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")?
        .busy_timeout(Duration::from_millis(opts.busy_timeout_ms.unwrap_or(DEFAULT_BUSY_TIMEOUT_MS) as u64))
        .pragma("temp_store", "MEMORY")
        .statement_cache_capacity(256);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    Ok(pool)
}
