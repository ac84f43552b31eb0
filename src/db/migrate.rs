//! Versioned schema migrations, tracked in our own table `mastra_native_migrations`.
//!
//! A warm `init()` is one query (the highest applied version). Applying runs inside a
//! `BEGIN IMMEDIATE` transaction that re-reads the version first, so several processes
//! initialising one file at once apply each step exactly once. Steps are idempotent
//! (`IF NOT EXISTS`, add-column-if-missing) because the tables may already have been
//! created by @mastra/libsql.

use rusqlite::Connection;
use sqlx::postgres::PgTransactionManager;
use sqlx::{Executor, TransactionManager};

use super::postgres::PgPool;

use super::sql::Dialect;
use super::sqlite::SqlitePool;

use crate::error::Result;

/// One step of a migration.
enum Step {
    /// A script of `;`-separated statements.
    Sql(&'static str),
    /// Add a column unless the table has it (older libsql databases lack some).
    EnsureColumn { table: &'static str, column: &'static str, decl: &'static str },
}

struct Migration {
    version: i64,
    name: &'static str,
    steps: &'static [Step],
}

const SQLITE_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "memory tables",
        steps: &[
            Step::Sql(include_str!("../../migrations/sqlite/0001_memory.sql")),
            // Databases from libsql < 0.x were created before messages had a resourceId.
            Step::EnsureColumn { table: "mastra_messages", column: "resourceId", decl: "TEXT" },
        ],
    },
    Migration {
        version: 2,
        name: "memory indexes",
        steps: &[Step::Sql(include_str!("../../migrations/sqlite/0002_memory_indexes.sql"))],
    },
    Migration {
        version: 3,
        name: "workflow snapshots",
        steps: &[
            Step::Sql(include_str!("../../migrations/sqlite/0003_workflows.sql")),
            // Older libsql databases predate the resourceId column.
            Step::EnsureColumn { table: "mastra_workflow_snapshot", column: "resourceId", decl: "TEXT" },
            Step::Sql(include_str!("../../migrations/sqlite/0004_workflows_indexes.sql")),
        ],
    },
    Migration {
        version: 4,
        name: "stored agents",
        steps: &[Step::Sql(include_str!("../../migrations/sqlite/0005_agents.sql"))],
    },
    Migration {
        version: 5,
        name: "drop two message indexes",
        steps: &[Step::Sql(include_str!("../../migrations/sqlite/0006_drop_message_write_indexes.sql"))],
    },
    Migration {
        version: 6,
        name: "message thread index ordered by (createdAt, id)",
        steps: &[Step::Sql(include_str!("../../migrations/sqlite/0007_message_thread_index_with_id.sql"))],
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    SQLITE_MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

const TRACKING_DDL: &str = "CREATE TABLE IF NOT EXISTS mastra_native_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)";

fn current_version(conn: &Connection) -> Result<i64> {
    // The tracking table is created in the same transaction, so it exists here.
    let v: Option<i64> = conn.query_row("SELECT MAX(version) FROM mastra_native_migrations", [], |r| r.get(0))?;
    Ok(v.unwrap_or(0))
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    let mut st = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = st.query_map([table], |r| r.get::<_, String>(0))?;
    for n in names {
        if n? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Bring a SQLite database up to `latest_version()`. Warm: one query. Cold: one
/// `BEGIN IMMEDIATE` transaction that re-reads the version, so several processes
/// initialising one file at once apply each step exactly once.
pub async fn run_sqlite(pool: &SqlitePool) -> Result<()> {
    let writer = pool.writer().await?;
    let conn = writer.conn();
    let warm: Option<i64> = conn
        .query_row("SELECT MAX(version) FROM mastra_native_migrations", [], |r| r.get(0))
        .unwrap_or(None);
    if warm == Some(latest_version()) {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let applied = (|| -> Result<()> {
        conn.execute_batch(TRACKING_DDL)?;
        let applied = current_version(conn)?;
        for m in SQLITE_MIGRATIONS {
            if m.version <= applied {
                continue;
            }
            for step in m.steps {
                match step {
                    Step::Sql(script) => conn.execute_batch(script)?,
                    Step::EnsureColumn { table, column, decl } => {
                        if !has_column(conn, table, column)? {
                            // Identifiers come from the constant table above, never from input.
                            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN \"{column}\" {decl}"))?;
                        }
                    }
                }
            }
            conn.execute(
                "INSERT INTO mastra_native_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![m.version, m.name, crate::domains::now_iso()],
            )?;
        }
        Ok(())
    })();
    match applied {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

/// PostgreSQL migrations: scripts with `{schema}` (the quoted schema) and `{schema_raw}`
/// (the bare name, for constraint names as @mastra/pg spells them). PostgreSQL DDL is
/// transactional, so a migration applies whole or not at all.
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "memory tables", include_str!("../../migrations/postgres/0001_memory.sql")),
    (2, "workflow snapshots", include_str!("../../migrations/postgres/0002_workflows.sql")),
    (3, "stored agents", include_str!("../../migrations/postgres/0003_agents.sql")),
    (4, "drop the message resource index", include_str!("../../migrations/postgres/0004_drop_message_resource_index.sql")),
];

/// Bring a PostgreSQL schema up to date. Warm: one query. Cold: one transaction holding an
/// advisory lock keyed on the schema, so concurrent processes apply each step once.
pub async fn run_postgres(pool: &PgPool, d: &Dialect) -> Result<()> {
    let latest = POSTGRES_MIGRATIONS.last().map(|m| m.0).unwrap_or(0);
    let tracking = d.table("mastra_native_migrations");
    let mut conn = pool.acquire().await?;
    let r = sqlx::query_scalar(&format!("SELECT MAX(version) FROM {tracking}")).fetch_one(conn.start()).await;
    // A missing tracking table is a fresh schema: the server's error leaves the connection fine.
    let warm: Option<i64> = conn.finish(r).unwrap_or(None);
    if warm == Some(latest) {
        return Ok(());
    }

    // Everything below runs as one statement sequence: a failure anywhere leaves `conn`
    // marked busy, so it is closed rather than reused, and the server rolls back.
    let c = conn.start();
    PgTransactionManager::begin(&mut *c, None).await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!("mastra_native_migrations:{}", d.schema))
        .execute(&mut *c)
        .await?;
    let quoted = format!("\"{}\"", d.schema);
    c.execute(format!("CREATE SCHEMA IF NOT EXISTS {quoted}").as_str()).await?;
    c.execute(
        format!("CREATE TABLE IF NOT EXISTS {tracking} (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            .as_str(),
    )
    .await?;
    let applied: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(version) FROM {tracking}")).fetch_one(&mut *c).await?;
    let applied = applied.unwrap_or(0);
    for (version, name, script) in POSTGRES_MIGRATIONS {
        if *version <= applied {
            continue;
        }
        // The schema name was checked to be a plain identifier before it got here.
        let script = script.replace("{schema_raw}", &d.schema).replace("{schema}", &quoted);
        c.execute(script.as_str()).await?;
        sqlx::query(&format!("INSERT INTO {tracking} (version, name) VALUES ($1, $2)"))
            .bind(version)
            .bind(name)
            .execute(&mut *c)
            .await?;
    }
    let r = PgTransactionManager::commit(c).await;
    conn.finish(r)?;
    Ok(())
}
