//! Running `Q` statements on either backend: a pool, a connection taken for several reads,
//! or a write transaction, and rows read back by column position. Domain code sees only
//! these types. SQLite statements run inline (see sqlite.rs); PostgreSQL ones through sqlx.

use std::sync::Arc;

use rusqlite::types::Value;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Row as _, ValueRef as _};

use super::postgres::{PgConn, PgPool, PgTx};
use super::sql::{Arg, Q};
use super::sqlite::{self, SqliteHandle, SqlitePool, SqliteTx};
use crate::error::{connection_lost, Result, StoreError};

/// A pool of either backend.
#[derive(Clone)]
pub enum AnyPool {
    Sqlite(Arc<SqlitePool>),
    Postgres(PgPool),
}

/// Text a database handed back, checked to be UTF-8 with SIMD: std's check was ~9% of a
/// 40-message list (message text with accented, CJK and emoji characters). On failure std
/// checks again, for its detailed error.
pub fn utf8(b: &[u8]) -> std::result::Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(b) {
        Ok(s) => Ok(s),
        Err(_) => std::str::from_utf8(b),
    }
}

/// A PostgreSQL timestamptz (microseconds since 2000-01-01 UTC) as
/// `to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` writes it: milliseconds
/// truncated, the year unsigned and at least four digits (1 BC is 0001), and `''` for
/// ±infinity. Civil date from the day count as in H. Hinnant's `civil_from_days`, exact
/// over the whole range (chrono's stops short of PostgreSQL's).
pub fn iso_millis(micros: i64) -> String {
    if micros == i64::MAX || micros == i64::MIN {
        return String::new();
    }
    const DAY: i64 = 86_400_000_000;
    // Days since 0000-03-01 (2000-01-01 is day 730_425).
    let z = micros.div_euclid(DAY) + 730_425;
    let in_day = micros.rem_euclid(DAY);
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let year = if year <= 0 { 1 - year } else { year };
    let ms = in_day / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// PostgreSQL's type oid for timestamptz (by number: comparing sqlx's type infos compares
/// names, on every column read).
const TIMESTAMPTZ: Oid = Oid(1184);

/// One row of a result, read by position. Every column our statements select is text
/// (PostgreSQL statements cast JSON to text, and timestamps arrive as timestamptz, read as
/// text by `iso_millis`) or a 64-bit integer.
pub enum Row {
    Sqlite(Vec<Value>),
    Postgres(PgRow),
}

impl Row {
    /// How many columns the row has.
    pub fn columns(&self) -> usize {
        match self {
            Row::Sqlite(v) => v.len(),
            Row::Postgres(r) => r.len(),
        }
    }

    /// A nullable text column.
    pub fn text(&self, i: usize) -> Result<Option<String>> {
        match self {
            Row::Sqlite(v) => match v.get(i) {
                Some(Value::Text(s)) => Ok(Some(s.clone())),
                Some(Value::Null) => Ok(None),
                Some(Value::Integer(n)) => Ok(Some(n.to_string())),
                Some(Value::Real(f)) => Ok(Some(f.to_string())),
                Some(Value::Blob(b)) => Ok(Some(String::from_utf8_lossy(b).into_owned())),
                None => Err(StoreError::db("COLUMN", format!("no column {i}"))),
            },
            Row::Postgres(r) => {
                // sqlx's String decoding checks UTF-8 with std; same checks, faster one.
                let v = r.try_get_raw(i)?;
                if v.is_null() {
                    return Ok(None);
                }
                let ty = v.type_info();
                if ty.oid() == Some(TIMESTAMPTZ) && v.format() == PgValueFormat::Binary {
                    // `Dialect::ts_read`: an instant, written as the text SQL's to_char gave.
                    let bytes: [u8; 8] = v.as_bytes().map_err(sqlx::Error::Decode)?.try_into().map_err(|_| {
                        StoreError::db("COLUMN", format!("column {i}: a timestamptz is 8 bytes"))
                    })?;
                    return Ok(Some(iso_millis(i64::from_be_bytes(bytes))));
                }
                if !<String as sqlx::Type<sqlx::Postgres>>::compatible(&ty) {
                    return Ok(r.try_get(i)?); // the type mismatch error
                }
                let bytes = v.as_bytes().map_err(sqlx::Error::Decode)?;
                Ok(Some(utf8(bytes).map_err(|e| sqlx::Error::Decode(e.into()))?.to_owned()))
            }
        }
    }

    /// A text column that must not be NULL (a NULL reads as empty).
    pub fn string(&self, i: usize) -> Result<String> {
        Ok(self.text(i)?.unwrap_or_default())
    }

    /// `text`, moving the value out instead of copying it (each column read once).
    pub fn take_text(&mut self, i: usize) -> Result<Option<String>> {
        match self {
            Row::Sqlite(v) => match v.get_mut(i) {
                Some(Value::Text(s)) => Ok(Some(std::mem::take(s))),
                _ => self.text(i),
            },
            Row::Postgres(_) => self.text(i),
        }
    }

    /// `string`, moving the value out instead of copying it.
    pub fn take_string(&mut self, i: usize) -> Result<String> {
        Ok(self.take_text(i)?.unwrap_or_default())
    }

    /// An integer column (counts).
    pub fn int(&self, i: usize) -> Result<i64> {
        match self {
            Row::Sqlite(v) => match v.get(i) {
                Some(Value::Integer(n)) => Ok(*n),
                Some(Value::Real(f)) => Ok(*f as i64),
                Some(Value::Null) => Ok(0),
                other => Err(StoreError::db("COLUMN", format!("column {i} is not an integer: {other:?}"))),
            },
            Row::Postgres(r) => Ok(r.try_get(i)?),
        }
    }
}

/// Refuse a statement whose arguments one engine could not store (see `Q::invalid`).
fn check(q: &Q) -> Result<()> {
    match &q.invalid {
        Some(why) => Err(StoreError::invalid(why.clone())),
        None => Ok(()),
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
                Arg::TextArray(v) => q.bind(v.as_slice()),
            };
        }
        q
    }};
}

/// Run one PostgreSQL statement on `$c` (a `&mut PgConn`): `|$conn| $run` is the sqlx call
/// on the raw connection, between `start` and `finish`. With `$retry_read` a statement whose
/// connection was lost before its answer (`connection_lost`) runs once more on a fresh
/// connection: only reads outside a transaction may ask for that, since they changed
/// nothing and depend on no earlier statement of the same connection. This is the one
/// place statements are retried. Evaluates to `Result<_, StoreError>`.
macro_rules! pg_run {
    ($c:expr, $retry_read:expr, |$conn:ident| $run:expr) => {{
        let c: &mut PgConn = $c;
        let mut retried = false;
        loop {
            let r = {
                let $conn = c.start();
                $run.await
            };
            match c.finish(r) {
                Ok(v) => break Ok(v),
                Err(e) if $retry_read && !retried && connection_lost(&e) => {
                    retried = true;
                    if let Err(e) = c.reconnect().await {
                        break Err(e);
                    }
                }
                Err(e) => break Err(StoreError::from(e)),
            }
        }
    }};
}

/// The statement-running operations for an executor kind: `$sqlite` yields a
/// `Result<&rusqlite::Connection>`, `$pg` the `&mut PgConn` a statement runs on (between
/// its `start` and `finish`), each evaluated per call. `$in_tx`: the statements run inside
/// a transaction, so one that loses its connection changed nothing (the server rolls the
/// transaction back) and is not retried (the transaction is gone); outside one, reads are
/// retried once (`pg_run`) and an autocommit write that loses its connection keeps its
/// outcome unknown.
macro_rules! exec_methods {
    ($s:ident, $sqlite:ident => $sx:expr, $pg:ident => $px:expr, in_tx: $in_tx:expr) => {
        /// Run a statement; the number of rows it changed.
        pub async fn execute(&mut $s, q: &Q) -> Result<u64> {
            check(q)?;
            match $s {
                Self::Sqlite($sqlite) => sqlite::execute($sx, q),
                Self::Postgres($pg) => {
                    let r = pg_run!($px, false, |c| bind_args!(sqlx::query(&q.sql), &q.args).execute(c));
                    match r {
                        Ok(done) => Ok(done.rows_affected()),
                        Err(e) if $in_tx => Err(e.changed_nothing()),
                        Err(e) => Err(e),
                    }
                }
            }
        }

        /// Every row of a query.
        pub async fn fetch_all(&mut $s, q: &Q) -> Result<Vec<Row>> {
            check(q)?;
            match $s {
                Self::Sqlite($sqlite) => sqlite::fetch_all($sx, q, None),
                Self::Postgres($pg) => {
                    let r = pg_run!($px, !$in_tx, |c| bind_args!(sqlx::query(&q.sql), &q.args).fetch_all(c));
                    Ok(r.map_err(StoreError::changed_nothing)?.into_iter().map(Row::Postgres).collect())
                }
            }
        }

        /// The first row of a query, if any.
        pub async fn fetch_optional(&mut $s, q: &Q) -> Result<Option<Row>> {
            check(q)?;
            match $s {
                Self::Sqlite($sqlite) => Ok(sqlite::fetch_all($sx, q, Some(1))?.into_iter().next()),
                Self::Postgres($pg) => {
                    let r = pg_run!($px, !$in_tx, |c| bind_args!(sqlx::query(&q.sql), &q.args).fetch_optional(c));
                    Ok(r.map_err(StoreError::changed_nothing)?.map(Row::Postgres))
                }
            }
        }

        /// The single integer a query returns (a COUNT).
        pub async fn fetch_int(&mut $s, q: &Q) -> Result<i64> {
            match $s.fetch_optional(q).await? {
                Some(r) => r.int(0),
                None => Ok(0),
            }
        }
    };
}

/// A connection taken from the pool for several statements in a row.
pub enum Conn {
    Sqlite(SqliteHandle),
    Postgres(PgConn),
}

/// Outside a transaction `fetch_all` / `fetch_optional` are reads (a writing statement with
/// `RETURNING` goes through `AnyPool::fetch_one_write`, never retried) and `execute` is an
/// autocommit write.
impl Conn {
    exec_methods!(self, c => c.conn(), c => c, in_tx: false);
}

/// An open transaction; dropped without `commit` it rolls back.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(PgTx),
}

impl Tx {
    exec_methods!(self, t => t.conn(), t => t.conn(), in_tx: true);

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit()?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl AnyPool {
    /// Run one statement on its own: reads on a reader connection, writes (autocommit) on
    /// the writer.
    pub async fn execute(&self, q: &Q) -> Result<u64> {
        check(q)?;
        match self {
            AnyPool::Sqlite(p) => sqlite::execute(p.writer().await?.conn(), q),
            AnyPool::Postgres(_) => self.acquire().await?.execute(q).await,
        }
    }

    pub async fn fetch_all(&self, q: &Q) -> Result<Vec<Row>> {
        self.acquire().await?.fetch_all(q).await
    }

    /// The first row of a writing statement (`… RETURNING`), run on its own: on the writer
    /// for SQLite, autocommitted on PostgreSQL.
    pub async fn fetch_one_write(&self, q: &Q) -> Result<Option<Row>> {
        check(q)?;
        match self {
            AnyPool::Sqlite(p) => Ok(sqlite::fetch_all(p.writer().await?.conn(), q, Some(1))?.into_iter().next()),
            AnyPool::Postgres(p) => {
                // A write: not retried, and a lost connection leaves its outcome unknown.
                let mut c = p.acquire().await?;
                let r = pg_run!(&mut c, false, |conn| bind_args!(sqlx::query(&q.sql), &q.args).fetch_optional(conn));
                Ok(r?.map(Row::Postgres))
            }
        }
    }

    pub async fn fetch_optional(&self, q: &Q) -> Result<Option<Row>> {
        self.acquire().await?.fetch_optional(q).await
    }

    pub async fn fetch_int(&self, q: &Q) -> Result<i64> {
        self.acquire().await?.fetch_int(q).await
    }

    /// A connection for several reads in a row.
    pub async fn acquire(&self) -> Result<Conn> {
        Ok(match self {
            AnyPool::Sqlite(p) => Conn::Sqlite(p.reader().await?),
            AnyPool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A write transaction (see `Db::write_tx`).
    pub async fn begin_write(&self) -> Result<Tx> {
        Ok(match self {
            AnyPool::Sqlite(p) => Tx::Sqlite(SqliteTx::begin(p.writer().await?)?),
            AnyPool::Postgres(p) => Tx::Postgres(PgTx::begin(p.acquire().await?).await?),
        })
    }

    pub async fn close(&self) {
        match self {
            AnyPool::Sqlite(p) => p.close().await,
            AnyPool::Postgres(p) => p.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Dialect, OpenOptions};

    fn select_one() -> Q {
        let mut q = Dialect::postgres("public").q();
        q.s("SELECT 1::int8");
        q
    }

    /// A read whose backend the server ended runs again on a fresh connection and answers;
    /// writes that lost theirs are not run again and say whether they can have committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_are_retried_after_a_lost_connection_writes_report_their_outcome() {
        use crate::db::postgres::tests::{backend_pid, pool, terminate};
        use crate::error::Retry;
        // One connection, so every call below gets the one whose backend was ended.
        let Some(p) = pool(OpenOptions { max_connections: Some(1), ..Default::default() }).await else { return };
        let any = AnyPool::Postgres(p.clone());

        // A read: the dead connection is swapped for a new one, the caller sees the answer.
        let mut c = p.acquire().await.unwrap();
        let pid = backend_pid(&mut c).await;
        terminate(pid).await;
        let retries = PgPool::read_retries();
        let mut conn = Conn::Postgres(c);
        assert_eq!(conn.fetch_int(&select_one()).await.unwrap(), 1);
        assert!(PgPool::read_retries() > retries, "the read was run again");
        let Conn::Postgres(mut c) = conn else { unreachable!() };
        assert_ne!(backend_pid(&mut c).await, pid, "on a new backend");

        // An autocommit write (the connection was used just now, so it is not pinged first):
        // sent, then lost; whether it committed is unknown.
        let pid = backend_pid(&mut c).await;
        drop(c);
        terminate(pid).await;
        let err = any.execute(&select_one()).await.unwrap_err();
        assert_eq!(err.retry(), Retry::Unknown, "{err}");
        assert!(err.js_message().contains(" outcome=unknown] "), "{}", err.js_message());

        // A statement of a transaction whose connection is lost: never committed, so the
        // server rolled it back and running the call again is safe.
        let mut tx = any.begin_write().await.unwrap();
        let Tx::Postgres(t) = &mut tx else { unreachable!() };
        let pid = backend_pid(t.conn()).await;
        terminate(pid).await;
        let err = tx.execute(&select_one()).await.unwrap_err();
        assert_eq!(err.retry(), Retry::Safe, "{err}");
        drop(tx);

        // A COMMIT whose connection is lost: the outcome is unknown.
        let mut tx = any.begin_write().await.unwrap();
        let Tx::Postgres(t) = &mut tx else { unreachable!() };
        let pid = backend_pid(t.conn()).await;
        terminate(pid).await;
        let err = tx.commit().await.unwrap_err();
        assert_eq!(err.retry(), Retry::Unknown, "{err}");

        // And the pool works on.
        assert_eq!(any.fetch_int(&select_one()).await.unwrap(), 1);
        p.close().await;
    }

    #[test]
    fn iso_millis_matches_to_char_at_known_instants() {
        assert_eq!(iso_millis(0), "2000-01-01T00:00:00.000Z");
        assert_eq!(iso_millis(-1), "1999-12-31T23:59:59.999Z");
        assert_eq!(iso_millis(1_999), "2000-01-01T00:00:00.001Z");
        assert_eq!(iso_millis(i64::MAX), "");
    }

    /// Against PostgreSQL's own to_char, over ±400 years of odd instants and the ends of
    /// the timestamptz range (BC years, five-digit years, leap days).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn iso_millis_matches_to_char_on_the_server() {
        let Some(p) = crate::db::postgres::tests::pool(OpenOptions::default()).await else { return };
        let mut conn = Conn::Postgres(p.acquire().await.unwrap());
        let mut q = Dialect::postgres("public").q();
        q.s(r#"SELECT t, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM (
                 SELECT timestamptz '2000-01-01 00:00:00+00' + i * interval '37 days 1 hour 1.234567 seconds' AS t
                   FROM generate_series(-4000, 4000) i
                 UNION ALL SELECT CAST(x AS timestamptz) FROM unnest(ARRAY[
                   '4713-11-24 00:00:00+00 BC', '0001-01-01 00:00:00+00 BC', '0001-12-31 23:59:59.999999+00 BC',
                   '0001-01-01 00:00:00+00', '1900-02-28 23:59:59.9995+00', '1900-03-01 00:00:00+00',
                   '2000-02-29 12:00:00.0009+00', '2100-02-28 23:59:59.999999+00', '9999-12-31 23:59:59.999+00',
                   '10000-01-01 00:00:00+00', '294276-12-31 23:59:59.999999+00', 'infinity', '-infinity']) AS x
               ) AS s"#);
        let rows = conn.fetch_all(&q).await.unwrap();
        assert_eq!(rows.len(), 8001 + 13);
        for r in &rows {
            // Column 1 is to_char's text; column 0 the binary instant read by iso_millis.
            assert_eq!(r.text(0).unwrap().unwrap_or_default(), r.text(1).unwrap().unwrap_or_default());
        }
    }
}
