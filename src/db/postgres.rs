//! PostgreSQL specifics: the pool. sqlx reads sslmode and the other URL options itself.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

use super::OpenOptions;
use crate::error::Result;

/// A pool for many app processes sharing one server: connections are checked before use
/// (`test_before_acquire`), so after a server restart the pool drops dead connections and
/// opens new ones instead of failing every later call.
pub async fn open(url: &str, opts: &OpenOptions) -> Result<PgPool> {
    // Statements stay prepared (parsed once per connection), but are planned for their
    // actual parameters on every run: PostgreSQL otherwise switches a prepared statement to
    // a generic plan after five runs, chosen while the tables were small and kept as they
    // grow. Measured: saveMessages' thread bump kept a sequential scan of mastra_messages,
    // 0.7 ms per call at 4k messages, 3 ms at 20k. (node-postgres, which @mastra/pg uses,
    // sends unnamed statements, which are always planned per run.)
    // Set per connection with SET (not the `options` startup parameter, which poolers such
    // as PgBouncer refuse).
    let options = PgConnectOptions::from_str(url)?.application_name("mastra-native-store").statement_cache_capacity(256);
    let pool = PgPoolOptions::new()
        .max_connections(opts.max_connections.unwrap_or(10))
        .min_connections(0)
        .idle_timeout(Some(Duration::from_millis(opts.idle_timeout_ms.unwrap_or(10_000) as u64)))
        .acquire_timeout(Duration::from_millis(opts.connection_timeout_ms.unwrap_or(10_000) as u64))
        .test_before_acquire(true)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("SET plan_cache_mode = force_custom_plan").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}
