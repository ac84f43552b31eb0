//! Store errors: one enum with a stable code per failure class, turned into a JS error
//! whose message starts with `[CODE]` so the JS layer can wrap it in a `MastraError`
//! with the right category (USER for bad input, THIRD_PARTY for backend failures).

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
    /// A backend failure, with the database's own code (SQLITE_BUSY, a SQLSTATE, …).
    Database { code: String, message: String },
}

impl StoreError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        StoreError::InvalidArgument(msg.into())
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
                StoreError::Database { code, message: msg.clone().unwrap_or_else(|| err.to_string()) }
            }
            other => StoreError::Database { code: "SQLITE_ERROR".into(), message: other.to_string() },
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // A key too long for a PostgreSQL index (an id of many KB): bad input, and the
            // statement changed nothing.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("54000") => {
                StoreError::InvalidArgument(format!("a value is too long to store: {}", db.message()))
            }
            // PostgreSQL: the SQLSTATE itself is the stable code.
            sqlx::Error::Database(db) => StoreError::Database {
                code: db.code().map(|c| c.into_owned()).unwrap_or_else(|| "DATABASE".into()),
                message: db.message().to_string(),
            },
            sqlx::Error::PoolClosed => StoreError::Closed,
            sqlx::Error::PoolTimedOut => StoreError::Database {
                code: "POOL_TIMEOUT".into(),
                message: "timed out waiting for a database connection".into(),
            },
            sqlx::Error::Io(io) => StoreError::Database { code: "IO".into(), message: io.to_string() },
            other => StoreError::Database { code: "DATABASE".into(), message: other.to_string() },
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::InvalidArgument(format!("invalid JSON input: {e}"))
    }
}

impl StoreError {
    /// The message JS sees: `[CODE] text`, parsed back by lib/marshal.js.
    pub fn js_message(&self) -> String {
        format!("[{}] {}", self.code(), self)
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
    fn sqlite_result_codes_get_names() {
        assert_eq!(sqlite_code_name("5"), Some("SQLITE_BUSY"));
        // Extended codes keep their primary name (SQLITE_CONSTRAINT_PRIMARYKEY = 1555).
        assert_eq!(sqlite_code_name("1555"), Some("SQLITE_CONSTRAINT"));
        assert_eq!(sqlite_code_name("x"), None);
    }
}
