//! Argument checking shared by the list methods (pagination, metadata filters) and the
//! bind-value type the dynamic queries are built with. The error texts are Mastra's own,
//! because callers and Mastra's tests match on them.

use serde_json::{Map, Value};
use sqlx::sqlite::SqliteArguments;
use sqlx::Sqlite;

use crate::error::{Result, StoreError};

/// A value bound to a `?` placeholder. User input only ever reaches SQL this way.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Int(i64),
    Real(f64),
}

pub type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

/// Bind a list of arguments in order.
pub fn bind_all<'q>(mut q: SqliteQuery<'q>, args: &'q [Arg]) -> SqliteQuery<'q> {
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::Int(i) => q.bind(*i),
            Arg::Real(f) => q.bind(*f),
        };
    }
    q
}

/// `perPage` as the caller gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PerPage {
    /// `perPage: false`: every row.
    All,
    Limit(i64),
}

impl PerPage {
    /// The value echoed back in the response (`false` or the number).
    pub fn to_json(self) -> Value {
        match self {
            PerPage::All => Value::Bool(false),
            PerPage::Limit(n) => Value::from(n),
        }
    }
}

/// Mastra's largest safe integer; page * perPage must stay below it.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn as_safe_int(v: &Value) -> Option<i64> {
    let f = v.as_f64()?;
    if f.fract() != 0.0 || f.abs() > MAX_SAFE_INTEGER {
        return None;
    }
    Some(f as i64)
}

/// Read `perPage` (absent or null → `default`). Non-integers, negatives and the non-finite
/// numbers the JS layer forwards as strings all fail with `perPage must be >= 0`.
pub fn per_page(v: Option<&Value>, default: i64) -> Result<PerPage> {
    match v {
        None | Some(Value::Null) => Ok(PerPage::Limit(default)),
        Some(Value::Bool(false)) => Ok(PerPage::All),
        Some(v) => match as_safe_int(v) {
            Some(n) if n >= 0 => Ok(PerPage::Limit(n)),
            _ => Err(StoreError::invalid("perPage must be >= 0")),
        },
    }
}

/// Read `page` (absent → 0).
pub fn page(v: Option<&Value>) -> Result<i64> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(v) => match as_safe_int(v) {
            Some(n) if n >= 0 => Ok(n),
            _ => Err(StoreError::invalid("page must be >= 0")),
        },
    }
}

/// Offset of a page; `perPage: false` always starts at 0.
pub fn offset(page: i64, per_page: PerPage) -> Result<i64> {
    match per_page {
        PerPage::All => Ok(0),
        PerPage::Limit(n) => page
            .checked_mul(n)
            .filter(|o| (*o as f64) <= MAX_SAFE_INTEGER)
            .ok_or_else(|| StoreError::invalid("page value too large")),
    }
}

/// Mastra's rule for metadata keys: they end up in JSON paths, so only plain identifiers.
pub fn check_metadata_key(key: &str) -> Result<()> {
    if matches!(key, "__proto__" | "prototype" | "constructor") {
        return Err(StoreError::invalid(format!("Invalid metadata key: \"{key}\".")));
    }
    let mut chars = key.chars();
    let ok_start = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !ok_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::invalid(format!(
            "Invalid metadata key: \"{key}\". Keys must start with a letter or underscore and contain only alphanumeric characters and underscores."
        )));
    }
    if key.len() > 128 {
        return Err(StoreError::invalid(format!("Metadata key \"{key}\" exceeds maximum length of 128 characters.")));
    }
    Ok(())
}

/// A checked metadata equality filter: keys are identifiers, values JSON scalars.
pub fn metadata_filter(v: Option<&Value>) -> Result<Vec<(String, Value)>> {
    let map: &Map<String, Value> = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(StoreError::invalid("Metadata filter must be an object.")),
    };
    let mut out = Vec::with_capacity(map.len());
    for (k, val) in map {
        check_metadata_key(k)?;
        match val {
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
            // Non-finite numbers arrive from the JS layer as strings "NaN"/"Infinity" and so
            // are compared as the strings they became; objects and arrays are refused.
            _ => {
                return Err(StoreError::invalid(format!(
                    "Metadata filter value for key \"{k}\" must be a scalar type (string, number, boolean, or null), got {}",
                    if val.is_array() { "array" } else { "object" }
                )))
            }
        }
        out.push((k.clone(), val.clone()));
    }
    Ok(out)
}

/// What a `null` filter value matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullMatch {
    /// JSON null or a missing key (thread metadata, as @mastra/libsql filters it).
    NullOrMissing,
    /// Only a key that is present and null (message metadata: the key must exist).
    NullOnly,
}

/// SQL that tests one scalar at JSON path `?` of `column` for type-exact equality, with its
/// arguments. The path is bound, never spliced.
pub fn json_scalar_eq(column: &str, key: &str, value: &Value, prefix: &str, null: NullMatch) -> (String, Vec<Arg>) {
    let path = format!("$.{prefix}{key}");
    let p = || Arg::Text(path.clone());
    match value {
        Value::Null if null == NullMatch::NullOrMissing => (format!("json_extract({column}, ?) IS NULL"), vec![p()]),
        Value::Null => (format!("json_type({column}, ?) = 'null'"), vec![p()]),
        Value::Bool(b) => (
            format!("json_type({column}, ?) = ?"),
            vec![p(), Arg::Text(if *b { "true" } else { "false" }.into())],
        ),
        Value::Number(n) => (
            format!("json_type({column}, ?) IN ('integer', 'real') AND json_extract({column}, ?) = ?"),
            vec![p(), p(), n.as_i64().map(Arg::Int).unwrap_or_else(|| Arg::Real(n.as_f64().unwrap_or(0.0)))],
        ),
        Value::String(s) => (
            format!("json_type({column}, ?) = 'text' AND json_extract({column}, ?) = ?"),
            vec![p(), p(), Arg::Text(s.clone())],
        ),
        // Rejected by metadata_filter before SQL is built.
        _ => ("0".into(), vec![]),
    }
}

/// Sort direction, from Mastra's `orderBy.direction` (anything else → the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

impl Dir {
    pub fn parse(v: Option<&Value>, default: Dir) -> Dir {
        match v.and_then(Value::as_str) {
            Some("ASC") => Dir::Asc,
            Some("DESC") => Dir::Desc,
            _ => default,
        }
    }
    pub fn sql(self) -> &'static str {
        match self {
            Dir::Asc => "ASC",
            Dir::Desc => "DESC",
        }
    }
}

/// A required, non-empty string argument.
pub fn non_empty<'a>(v: Option<&'a Value>, what: &str) -> Result<&'a str> {
    match v.and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(StoreError::invalid(format!("{what} must be a non-empty string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn per_page_rules() {
        assert_eq!(per_page(None, 40).unwrap(), PerPage::Limit(40));
        assert_eq!(per_page(Some(&json!(false)), 40).unwrap(), PerPage::All);
        assert_eq!(per_page(Some(&json!(0)), 40).unwrap(), PerPage::Limit(0));
        for bad in [json!(-1), json!(1.5), json!("NaN"), json!(true), json!("Infinity")] {
            assert_eq!(per_page(Some(&bad), 40).unwrap_err().to_string(), "perPage must be >= 0", "{bad}");
        }
    }

    #[test]
    fn page_rules() {
        assert_eq!(page(None).unwrap(), 0);
        assert_eq!(page(Some(&json!(3))).unwrap(), 3);
        assert_eq!(page(Some(&json!(-1))).unwrap_err().to_string(), "page must be >= 0");
        assert!(offset(i64::MAX / 2, PerPage::Limit(4)).is_err());
        assert_eq!(offset(5, PerPage::All).unwrap(), 0);
    }

    #[test]
    fn metadata_keys_are_identifiers() {
        assert!(check_metadata_key("user_id2").is_ok());
        assert!(check_metadata_key("_x").is_ok());
        for bad in ["a'; DROP TABLE x", "1a", "", "a.b", "__proto__", "constructor", "a-b", "é"] {
            assert!(check_metadata_key(bad).is_err(), "{bad}");
        }
        assert!(check_metadata_key(&"k".repeat(129)).is_err());
    }

    #[test]
    fn metadata_values_are_scalars() {
        assert!(metadata_filter(Some(&json!({"a": 1, "b": null, "c": "x", "d": true}))).is_ok());
        assert!(metadata_filter(Some(&json!({"a": {"x": 1}}))).is_err());
        assert!(metadata_filter(Some(&json!({"a": [1]}))).is_err());
        assert!(metadata_filter(Some(&json!([1]))).is_err());
    }

    #[test]
    fn json_predicates_bind_the_path() {
        let (sql, args) = json_scalar_eq("metadata", "k", &json!(true), "", NullMatch::NullOrMissing);
        assert_eq!(sql, "json_type(metadata, ?) = ?");
        assert_eq!(args, vec![Arg::Text("$.k".into()), Arg::Text("true".into())]);
        let (sql, args) = json_scalar_eq("content", "k", &json!("v"), "metadata.", NullMatch::NullOnly);
        assert!(!sql.contains("$."));
        assert_eq!(args[0], Arg::Text("$.metadata.k".into()));
        let (missing_ok, _) = json_scalar_eq("metadata", "k", &json!(null), "", NullMatch::NullOrMissing);
        let (present_only, _) = json_scalar_eq("content", "k", &json!(null), "metadata.", NullMatch::NullOnly);
        assert!(missing_ok.contains("IS NULL"));
        assert!(present_only.contains("= 'null'"));
    }
}
