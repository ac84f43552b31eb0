//! JSON nesting: one depth limit for both engines, and parsing that honours it.
//!
//! SQLite's JSON functions refuse documents nested over 1,000 levels ("malformed JSON"),
//! PostgreSQL's jsonb takes far deeper ones, and serde_json stops at 128 levels by default
//! (so a snapshot whose `context` nested 126 levels loaded but could not be updated). So
//! every JSON argument is held to `MAX_DEPTH` levels before anything runs, on both engines
//! alike, and parsing allows exactly that much (its recursion stays bounded, which keeps
//! stack use within a worker thread's).

use serde::Deserialize;

use crate::error::{Result, StoreError};

/// The deepest nesting a JSON value passed to the store may have (an object or array
/// inside another counts one level). The argument object around it may add up to
/// `WRAPPING` levels of its own (`{ snapshot: … }`, `[message, …]`, `content`).
pub const MAX_DEPTH: usize = 250;

/// Levels an argument's own shape may add around a caller's value.
const WRAPPING: usize = 6;

/// Levels the store itself may add when it nests one stored value in another (a step
/// result under `context.<stepId>`), and what a stored document may hold.
const STORED_DEPTH: usize = MAX_DEPTH + WRAPPING + 4;

/// How deeply `s` nests (objects and arrays; brackets inside strings do not count).
/// Only the bytes `{ [ ] } " \` matter, so this is one pass without parsing.
pub fn depth(s: &str) -> usize {
    let (mut level, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in s.as_bytes() {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                level += 1;
                max = max.max(level);
            }
            b'}' | b']' => level = level.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Refuse an argument nested deeper than the limit, with a USER error stating it.
pub fn check_input_depth(s: &str) -> Result<()> {
    // Cheap test first: a text shorter than the limit cannot nest that deep.
    if s.len() <= MAX_DEPTH + WRAPPING || depth(s) <= MAX_DEPTH + WRAPPING {
        return Ok(());
    }
    Err(StoreError::invalid(format!("JSON values may nest at most {MAX_DEPTH} levels deep")))
}

/// Parse JSON text. serde_json's own limit (128 levels) covers nearly every document;
/// one that fails on it is parsed again with the limit lifted when it nests no deeper than
/// a stored document may, so a value the store accepted can always be read back.
/// A value of the wrong type is an `INVALID_ARGUMENT` error naming the field it was
/// found at (`[0].createdAt: invalid type: …`).
pub fn parse<'a, T: Deserialize<'a>>(s: &'a str) -> Result<T> {
    match serde_json::from_str(s) {
        Ok(v) => Ok(v),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
            if depth(s) > STORED_DEPTH {
                return Err(StoreError::invalid(format!("JSON values may nest at most {MAX_DEPTH} levels deep")));
            }
            let mut de = serde_json::Deserializer::from_str(s);
            de.disable_recursion_limit();
            let v = T::deserialize(&mut de).map_err(|e| at_path::<T>(s, e))?;
            de.end()?;
            Ok(v)
        }
        Err(e) => Err(at_path::<T>(s, e)),
    }
}

/// The error of a failed parse, told again with the path where it failed (worked out only
/// on failure, so a successful parse pays nothing for it).
fn at_path<'a, T: Deserialize<'a>>(s: &'a str, e: serde_json::Error) -> StoreError {
    if e.is_data() && depth(s) <= STORED_DEPTH {
        let mut de = serde_json::Deserializer::from_str(s);
        de.disable_recursion_limit();
        if let Err(pe) = serde_path_to_error::deserialize::<_, T>(&mut de) {
            let path = pe.path().to_string();
            if path != "." {
                return StoreError::invalid(format!("{path}: {}", pe.inner()));
            }
        }
    }
    e.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn nested(n: usize) -> String {
        format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n))
    }

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(depth(r#"{"a":"{{[[\"]]","b":[[1]]}"#), 3);
        assert_eq!(depth("1"), 0);
        assert_eq!(depth(&nested(300)), 300);
    }

    #[test]
    fn the_limit_is_stated_and_exact() {
        assert!(check_input_depth(&nested(MAX_DEPTH)).is_ok());
        let e = check_input_depth(&nested(MAX_DEPTH + WRAPPING + 1)).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert!(e.to_string().contains("250 levels"));
    }

    #[test]
    fn parses_past_serde_json_s_default_limit() {
        // 200 levels: over serde_json's 128, within ours.
        let v: Value = parse(&nested(200)).unwrap();
        assert_eq!(depth(&v.to_string()), 200);
        assert!(parse::<Value>(&nested(STORED_DEPTH + 1)).is_err());
        assert!(parse::<Value>("{\"a\":1} x").is_err());
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            title: Option<String>,
        }
        let e = parse::<Vec<T>>(r#"[{"title":"a"},{"title":42}]"#).unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert!(e.to_string().starts_with("[1].title: invalid type: integer `42`"), "{e}");
    }
}
