//! Store errors: one enum with a stable code per failure class, turned into a JS error
//! whose message starts with `[CODE]` so the JS layer can wrap it in a `MastraError`
//! with the right category (USER for bad input, THIRD_PARTY for backend failures).
//!
//! A backend failure also says whether running the call again is safe (`Retry`): the
//! message is then `[CODE retry=safe] text` or `[CODE outcome=unknown] text`, and
//! lib/marshal.js turns that into `details.retryable` / `details.outcome`.

use std::fmt;

/// A failure of the store, with the stable code the JS layer keys on.
#[derive(Debug)]
pub enum StoreError {
    /// Bad input from the caller: a USER error in Mastra terms.
    InvalidArgument(String),
    /// The addressed record does not exist (where the contract says that is an error).
    NotFound(String),
    /// A record that must not exist already does (e.g. clone onto an existing thread id).
    Conflict(String),
    /// The store was closed and cannot serve calls any more.
    Closed,
    /// The URL names a backend this build does not serve yet.
    Unsupported(String),
    /// A backend failure, with the database's own code (SQLITE_BUSY, a SQLSTATE, …) and
    /// whether the call may simply run again.
    Database { code: String, message: String, retry: Retry },
}

/// Whether a failed call may run again, as far as the store can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Not a transient failure (bad SQL, a constraint, a missing table): the same call
    /// fails the same way, or the store cannot tell.
    No,
    /// Transient, and the call changed nothing: the connection failed before its statement
    /// was sent, it was a read, its transaction never reached COMMIT (the server rolls it
    /// back), the server rolled it back itself (serialization failure, deadlock), or the
    /// database was locked.
    Safe,
    /// The connection was lost after a write was sent and before the server confirmed it:
    /// it may or may not have been committed. Running it again blindly could apply it twice
    /// (or skip a change made meanwhile); look before writing again.
    Unknown,
}

impl StoreError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        StoreError::InvalidArgument(msg.into())
    }

    /// A backend failure that is not transient (`Retry::No`).
    pub fn db(code: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Database { code: code.into(), message: message.into(), retry: Retry::No }
    }

    /// Whether running the failed call again is safe (`Retry::No` for non-backend errors).
    pub fn retry(&self) -> Retry {
        match self {
            StoreError::Database { retry, .. } => *retry,
            _ => Retry::No,
        }
    }

    /// The same error, known to have changed nothing: a lost connection's unknown outcome
    /// becomes safe to retry (a read, a statement of a transaction that never committed,
    /// a connection that failed before anything was sent). Other errors are unchanged.
    pub fn changed_nothing(self) -> Self {
        match self {
            StoreError::Database { code, message, retry: Retry::Unknown } => StoreError::Database { code, message, retry: Retry::Safe },
            other => other,
        }
    }

    /// The stable code the JS layer sees.
    pub fn code(&self) -> &str {
        match self {
            StoreError::InvalidArgument(_) => "INVALID_ARGUMENT",
            StoreError::NotFound(_) => "NOT_FOUND",
            StoreError::Conflict(_) => "CONFLICT",
            StoreError::Closed => "CLOSED",
            StoreError::Unsupported(_) => "UNSUPPORTED",
            StoreError::Database { code, .. } => code,
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InvalidArgument(m)
            | StoreError::NotFound(m)
            | StoreError::Conflict(m)
            | StoreError::Unsupported(m) => f.write_str(m),
            StoreError::Closed => f.write_str("the store is closed"),
            StoreError::Database { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for StoreError {}

/// SQLite's primary result codes by number, so errors carry the familiar names.
fn sqlite_code_name(code: &str) -> Option<&'static str> {
    let n: i64 = code.parse().ok()?;
    Some(match n & 0xff {
        1 => "SQLITE_ERROR",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        19 => "SQLITE_CONSTRAINT",
        26 => "SQLITE_NOTADB",
        _ => return None,
    })
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(err, msg) => {
                let raw = err.extended_code.to_string();
                let code = sqlite_code_name(&raw).map(str::to_string).unwrap_or_else(|| format!("SQLITE_{raw}"));
                // A statement refused for a lock changed nothing (SQLite rolls the statement
                // back; our transactions take the lock up front with BEGIN IMMEDIATE).
                let retry = if err.code == rusqlite::ErrorCode::DatabaseBusy { Retry::Safe } else { Retry::No };
                StoreError::Database { code, message: msg.clone().unwrap_or_else(|| err.to_string()), retry }
            }
            other => StoreError::db("SQLITE_ERROR", other.to_string()),
        }
    }
}

/// Whether a PostgreSQL error means the connection is gone (or the server is going away or
/// not yet back): the socket failed, the protocol broke off, or the server said so
/// (class 08 connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03
/// cannot connect now). A statement that failed this way got no answer.
pub fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // Without knowing what the call was, a lost connection leaves its outcome unknown;
        // exec.rs and the pool mark what they know changed nothing (`changed_nothing`).
        let lost = if connection_lost(&e) { Retry::Unknown } else { Retry::No };
        match &e {
            // A key too long for a PostgreSQL index (an id of many KB): bad input, and the
            // statement changed nothing.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("54000") => {
                StoreError::InvalidArgument(format!("a value is too long to store: {}", db.message()))
            }
            // PostgreSQL: the SQLSTATE itself is the stable code.
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_else(|| "DATABASE".into());
                // The server rolled the whole transaction back (serialization failure, deadlock).
                let retry = if matches!(code.as_str(), "40001" | "40P01") { Retry::Safe } else { lost };
                StoreError::Database { code, message: db.message().to_string(), retry }
            }
            sqlx::Error::PoolClosed => StoreError::Closed,
            sqlx::Error::PoolTimedOut => StoreError::Database {
                code: "POOL_TIMEOUT".into(),
                message: "timed out waiting for a database connection".into(),
                retry: Retry::Safe,
            },
            sqlx::Error::Io(io) => StoreError::Database { code: "IO".into(), message: io.to_string(), retry: lost },
            other => StoreError::Database { code: "DATABASE".into(), message: other.to_string(), retry: lost },
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::InvalidArgument(format!("invalid JSON input: {e}"))
    }
}

impl StoreError {
    /// The message JS sees: `[CODE] text`, with ` retry=safe` or ` outcome=unknown` after
    /// the code when that is known (`Retry`); parsed back by lib/marshal.js.
    pub fn js_message(&self) -> String {
        let tag = match self.retry() {
            Retry::No => "",
            Retry::Safe => " retry=safe",
            Retry::Unknown => " outcome=unknown",
        };
        format!("[{}{tag}] {}", self.code(), self)
    }
}

#[cfg(feature = "node")]
impl From<StoreError> for napi::Error {
    fn from(e: StoreError) -> Self {
        napi::Error::new(napi::Status::GenericFailure, e.js_message())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_prefixed_for_the_js_layer() {
        assert_eq!(StoreError::invalid("page must be >= 0").js_message(), "[INVALID_ARGUMENT] page must be >= 0");
        assert_eq!(StoreError::Closed.js_message(), "[CLOSED] the store is closed");
    }

    #[test]
    fn retry_safety_is_tagged_after_the_code() {
        let lost = StoreError::from(sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)));
        assert_eq!(lost.code(), "IO");
        assert_eq!(lost.retry(), Retry::Unknown, "a lost connection's outcome is unknown until told otherwise");
        assert!(lost.js_message().starts_with("[IO outcome=unknown] "), "{}", lost.js_message());
        let read = lost.changed_nothing();
        assert!(read.js_message().starts_with("[IO retry=safe] "), "{}", read.js_message());
        // Errors that are not about the connection keep their plain form.
        assert_eq!(StoreError::db("23505", "duplicate key").changed_nothing().js_message(), "[23505] duplicate key");
        assert_eq!(StoreError::from(sqlx::Error::PoolTimedOut).retry(), Retry::Safe);
    }

    #[test]
    fn sqlite_result_codes_get_names() {
        assert_eq!(sqlite_code_name("5"), Some("SQLITE_BUSY"));
        // Extended codes keep their primary name (SQLITE_CONSTRAINT_PRIMARYKEY = 1555).
        assert_eq!(sqlite_code_name("1555"), Some("SQLITE_CONSTRAINT"));
        assert_eq!(sqlite_code_name("x"), None);
    }
}
