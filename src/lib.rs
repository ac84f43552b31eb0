//! mastra-native-store: the Rust core of a Mastra storage provider.
//!
//! Design note: JS owns nothing but marshalling. Every read, write, filter, merge,
//! pagination and transaction runs here, against SQLite (embedded, bundled, through
//! rusqlite, its statements run inline) or PostgreSQL (sqlx runtime queries on connections
//! of our own pool, which checks a connection only when a check can tell something; see
//! db/postgres.rs).
//! Open-ended JSON crosses the napi boundary as strings (much cheaper than napi object
//! conversion), results as ASCII; each domain is one napi class, whose SQLite calls finish
//! on the Node thread when nothing has to wait (see napi_api.rs). A SQLite file store also
//! runs one thread of its own, which checkpoints the WAL (see db/sqlite.rs), and writes its
//! WAL through a VFS shim that sends each commit's frames in one system call (db/walbuf.rs).

pub mod config;
pub mod db;
pub mod domains;
pub mod error;
#[cfg(feature = "node")]
mod napi_api;

#[cfg(feature = "node")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "node")]
pub use napi_api::*;
