//! Argument checking shared by the list methods (pagination, metadata filters, order).
//! The error texts are Mastra's own, because callers and Mastra's tests match on them.

use serde_json::{Map, Value};

use crate::error::{Result, StoreError};

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
            // Non-finite numbers arrive from the JS layer as marker objects and are refused
            // with the objects and arrays.
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

/// The JSON type name of a value, for error texts.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(m) if m.contains_key(NON_FINITE) => "a non-finite number",
        Value::Object(_) => "object",
    }
}

/// The key of the object the JS layer sends for NaN and ±Infinity (JSON has no such
/// numbers, and `null` would read as "not given"): no field accepts it.
pub const NON_FINITE: &str = "$nonFinite";

/// Whether `v` is a number as JavaScript's `typeof` sees it (the non-finite ones included).
pub fn is_js_number(v: &Value) -> bool {
    v.is_number() || v.as_object().is_some_and(|m| m.contains_key(NON_FINITE))
}

fn wrong_type(what: &str, expected: &str, got: &Value) -> StoreError {
    StoreError::invalid(format!("{what} must be {expected}, got {}", type_name(got)))
}

/// A method's arguments object: anything else (a string, an array, null) is refused, so
/// a mistyped call can never read as "no filter".
pub fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    v.as_object().filter(|m| !m.contains_key(NON_FINITE)).ok_or_else(|| wrong_type(what, "an object", v))
}

/// An optional string: absent or null is None; any other type is an error, never dropped.
pub fn opt_str<'a>(v: Option<&'a Value>, what: &str) -> Result<Option<&'a str>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(what, "a string", other)),
    }
}

/// An optional object (absent or null is None).
pub fn opt_object<'a>(v: Option<&'a Value>, what: &str) -> Result<Option<&'a Map<String, Value>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) if !m.contains_key(NON_FINITE) => Ok(Some(m)),
        Some(other) => Err(wrong_type(what, "an object", other)),
    }
}

/// An optional boolean (absent or null is None).
pub fn opt_bool(v: Option<&Value>, what: &str) -> Result<Option<bool>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong_type(what, "a boolean", other)),
    }
}

/// An optional safe integer (absent or null is None); fractions and non-finite numbers
/// (which the JS layer forwards as strings) are errors.
pub fn opt_int(v: Option<&Value>, what: &str) -> Result<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(x) => as_safe_int(x).map(Some).ok_or_else(|| wrong_type(what, "an integer", x)),
    }
}

/// An optional array of strings (absent or null is None).
pub fn opt_strings(v: Option<&Value>, what: &str) -> Result<Option<Vec<String>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|x| x.as_str().map(String::from).ok_or_else(|| wrong_type(&format!("each of {what}"), "a string", x)))
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(other) => Err(wrong_type(what, "an array of strings", other)),
    }
}

/// `orderBy.field` / `.direction` as strings (absent or null is None). An unknown string
/// falls back to the default, as Mastra's own `parseOrderBy` does; a value of another type
/// is an error.
pub fn order_by(v: Option<&Value>) -> Result<(Option<&str>, Option<&str>)> {
    let Some(o) = opt_object(v, "orderBy")? else { return Ok((None, None)) };
    Ok((opt_str(o.get("field"), "orderBy.field")?, opt_str(o.get("direction"), "orderBy.direction")?))
}

/// Sort direction, from Mastra's `orderBy.direction` (anything else → the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

impl Dir {
    /// A direction string (see `order_by`); anything but ASC/DESC is the default.
    pub fn parse(v: Option<&str>, default: Dir) -> Dir {
        match v {
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
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(x @ (Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_))) => {
            Err(StoreError::invalid(format!("{what} must be a non-empty string, got {}", type_name(x))))
        }
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

}
