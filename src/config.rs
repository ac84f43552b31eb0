//! Which backend a URL selects. Pure and synchronous, so the JS constructor can reject a
//! bad URL at once instead of on the first query.

use crate::error::{Result, StoreError};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite database file at this path.
    SqliteFile(String),
    /// One private in-memory SQLite database for the whole store.
    SqliteMemory,
    /// A PostgreSQL server (by URL).
    Postgres(String),
}

/// Parse a store URL: `file:PATH`, `sqlite://PATH`, `:memory:`, `file::memory:` (any query
/// string ignored for memory), `postgres://…` / `postgresql://…`.
pub fn parse_url(url: &str) -> Result<Target> {
    let url = url.trim();
    if url.is_empty() {
        return Err(StoreError::invalid("url must be a non-empty string"));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_string()));
    }
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if let Some(rest) = url.strip_prefix("file:") {
        rest
    } else if url.contains("://") {
        return Err(StoreError::invalid(format!(
            "unsupported url scheme in {url:?}: use file:PATH, sqlite://PATH, :memory: or postgres://…"
        )));
    } else {
        url
    };
    let bare = path.split('?').next().unwrap_or("");
    if bare == ":memory:" || bare.is_empty() && path.contains("mode=memory") {
        return Ok(Target::SqliteMemory);
    }
    if bare.is_empty() {
        return Err(StoreError::invalid(format!("url {url:?} names no database file")));
    }
    Ok(Target::SqliteFile(bare.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_forms() {
        assert_eq!(parse_url("file:./mastra.db").unwrap(), Target::SqliteFile("./mastra.db".into()));
        assert_eq!(parse_url("sqlite://data/x.db").unwrap(), Target::SqliteFile("data/x.db".into()));
        assert_eq!(parse_url("sqlite:/abs/x.db").unwrap(), Target::SqliteFile("/abs/x.db".into()));
        assert_eq!(parse_url("plain.db").unwrap(), Target::SqliteFile("plain.db".into()));
    }

    #[test]
    fn memory_forms() {
        for u in [":memory:", "file::memory:", "file::memory:?cache=shared", "sqlite::memory:"] {
            assert_eq!(parse_url(u).unwrap(), Target::SqliteMemory, "{u}");
        }
    }

    #[test]
    fn postgres_and_bad() {
        assert!(matches!(parse_url("postgres://u@h/db").unwrap(), Target::Postgres(_)));
        assert!(matches!(parse_url("postgresql://u@h/db").unwrap(), Target::Postgres(_)));
        assert_eq!(parse_url("").unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(parse_url("mysql://x").unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(parse_url("file:").unwrap_err().code(), "INVALID_ARGUMENT");
    }
}
