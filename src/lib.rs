//! mastra-native-store: the Rust core of a Mastra storage provider.
//!
//! Design note: JS owns nothing but marshalling. Every read, write, filter, merge,
//! pagination and transaction runs here, against SQLite (embedded, bundled) or, later,
//! PostgreSQL, both through sqlx runtime queries. Open-ended JSON crosses the napi boundary
//! as strings (much cheaper than napi object conversion); each domain is one napi class.

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
