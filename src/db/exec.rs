//! Running `Q` statements on either backend: a pool, a pooled connection or a transaction
//! of SQLite or PostgreSQL, and rows read back by column position. Domain code sees only
//! these types.

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgPool, Postgres, Row as _, Sqlite, SqlitePool, Transaction};

use super::sql::{Arg, Q};
use crate::error::Result;

/// A pool of either backend.
#[derive(Clone)]
pub enum AnyPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One row of a result, read by position. Every column our statements select is text
/// (PostgreSQL statements cast timestamps and JSON to text) or a 64-bit integer.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// A nullable text column.
    pub fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(i)?,
            Row::Postgres(r) => r.try_get(i)?,
        })
    }

    /// A text column that must not be NULL (a NULL reads as empty).
    pub fn string(&self, i: usize) -> Result<String> {
        Ok(self.text(i)?.unwrap_or_default())
    }

    /// An integer column (counts).
    pub fn int(&self, i: usize) -> Result<i64> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(i)?,
            Row::Postgres(r) => r.try_get(i)?,
        })
    }
}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
                Arg::Real(f) => q.bind(*f),
                Arg::Bool(b) => q.bind(*b),
                Arg::NullText => q.bind(Option::<String>::None),
                Arg::NullInt => q.bind(Option::<i64>::None),
            };
        }
        q
    }};
}

/// The three statement-running operations, for every executor kind. The executor
/// expression is evaluated per call, so pools, connections and transactions share them.
macro_rules! exec_methods {
    ($sqlite:ident => $sx:expr, $pg:ident => $px:expr) => {
        /// Run a statement; the number of rows it changed.
        pub async fn execute(&mut self, q: &Q) -> Result<u64> {
            Ok(match self {
                Self::Sqlite($sqlite) => bind_args!(sqlx::query(&q.sql), &q.args).execute($sx).await?.rows_affected(),
                Self::Postgres($pg) => bind_args!(sqlx::query(&q.sql), &q.args).execute($px).await?.rows_affected(),
            })
        }

        /// Every row of a query.
        pub async fn fetch_all(&mut self, q: &Q) -> Result<Vec<Row>> {
            Ok(match self {
                Self::Sqlite($sqlite) => {
                    bind_args!(sqlx::query(&q.sql), &q.args).fetch_all($sx).await?.into_iter().map(Row::Sqlite).collect()
                }
                Self::Postgres($pg) => {
                    bind_args!(sqlx::query(&q.sql), &q.args).fetch_all($px).await?.into_iter().map(Row::Postgres).collect()
                }
            })
        }

        /// The first row of a query, if any.
        pub async fn fetch_optional(&mut self, q: &Q) -> Result<Option<Row>> {
            Ok(match self {
                Self::Sqlite($sqlite) => bind_args!(sqlx::query(&q.sql), &q.args).fetch_optional($sx).await?.map(Row::Sqlite),
                Self::Postgres($pg) => bind_args!(sqlx::query(&q.sql), &q.args).fetch_optional($px).await?.map(Row::Postgres),
            })
        }

        /// The single integer a query returns (a COUNT).
        pub async fn fetch_int(&mut self, q: &Q) -> Result<i64> {
            match self.fetch_optional(q).await? {
                Some(r) => r.int(0),
                None => Ok(0),
            }
        }
    };
}

/// A connection taken from the pool for several statements in a row.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    exec_methods!(c => &mut **c, c => &mut **c);
}

/// An open transaction; dropped without `commit` it rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    exec_methods!(t => &mut **t, t => &mut **t);

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl AnyPool {
    exec_methods!(p => &*p, p => &*p);

    pub async fn acquire(&self) -> Result<Conn> {
        Ok(match self {
            AnyPool::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            AnyPool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            AnyPool::Sqlite(p) => p.close().await,
            AnyPool::Postgres(p) => p.close().await,
        }
    }
}
