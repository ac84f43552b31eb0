//! Mastra's storage domains, one module each. Shared here: timestamps, argument parsing
//! and the small SQL-building pieces every domain uses.

pub mod agents;
pub mod args;
pub mod json;
pub mod memory;
pub mod workflows;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::db::{Conn, Q, Row};
use crate::error::{Result, StoreError};

/// A page response, `{"<key>": [items], "total", "page", "perPage", "hasMore"}` for a page
/// read from `offset`, written straight to text. Through `json!` each item went into a `Value` tree first, and an
/// item's raw JSON column (a thread's metadata) was parsed to get there: that was 10% of a
/// 20-thread listing.
pub(crate) fn page_json<T: serde::Serialize>(key: &str, items: &[T], total: i64, page: i64, offset: i64, per_page: args::PerPage) -> Result<String> {
    let has_more = match per_page {
        args::PerPage::All => false,
        args::PerPage::Limit(n) => offset + n < total,
    };
    use serde::ser::{SerializeMap, Serializer};
    let mut out = Vec::with_capacity(256 + items.len() * 256);
    let mut ser = serde_json::Serializer::new(&mut out);
    let mut m = ser.serialize_map(Some(5))?;
    m.serialize_entry(key, items)?;
    m.serialize_entry("total", &total)?;
    m.serialize_entry("page", &page)?;
    m.serialize_entry("perPage", &per_page.to_json())?;
    m.serialize_entry("hasMore", &has_more)?;
    m.end()?;
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8(out).expect("serde_json output is UTF-8"))
}

/// What `select_page` selects: output columns, table, ORDER BY terms, LIMIT (None: all),
/// OFFSET, and whether the filtered total rides along.
pub(crate) struct Page<'a> {
    pub cols: &'a str,
    pub table: &'a str,
    pub order: &'a str,
    pub limit: Option<i64>,
    pub offset: i64,
    pub counted: bool,
    /// The caller sorts the page's rows itself, and `cols` are plain columns (nothing
    /// rendered per row). SQLite then picks the page by rowid, and it comes back in rowid
    /// order: the ORDER BY moves only keys through SQLite's sorter, not whole rows (for 40
    /// messages of ~1 KB, ~40 µs less per page). PostgreSQL gets a flat SELECT: with
    /// nothing to render, the wrapper only cost planning (~10 µs of a page of messages).
    pub caller_sorts: bool,
}

/// A page of rows: `SELECT <cols> FROM (SELECT * FROM <table> WHERE … ORDER BY <order>
/// LIMIT … OFFSET …) AS page ORDER BY <order>`. The output columns (JSON rendered as text)
/// are computed for the page's rows only: when PostgreSQL's estimates
/// make it sort instead of walking an index, a flat SELECT rendered every matching row
/// first (measured: 500 workflow snapshots rendered for a page of 50, 17 ms instead of 1).
/// With `counted`, `(SELECT COUNT(*) FROM <table> WHERE …)` rides along as the last column
/// (an uncorrelated subquery, run once), so a page and its total are one statement, one
/// round trip on PostgreSQL; `counted_total` reads it. With `caller_sorts`, SQLite instead
/// gets `… FROM <table> WHERE rowid IN (SELECT rowid … ORDER BY … LIMIT …)`, unordered,
/// and PostgreSQL `… FROM <table> WHERE … ORDER BY … LIMIT …`.
pub(crate) fn select_page(q: &mut Q, page: Page<'_>, filtered: impl Fn(&mut Q)) {
    let Page { cols, table, order, limit, offset, counted, caller_sorts } = page;
    q.s(&format!("SELECT {cols}"));
    if counted {
        q.s(", (");
        select_count(q, table, &filtered);
        q.s(")");
    }
    // Where the page's rows come from, and what closes the statement.
    let close = match (caller_sorts, q.d.is_pg()) {
        (true, false) => {
            q.s(" FROM ").t(table).s(" WHERE rowid IN (SELECT rowid FROM ").t(table);
            ")".to_string()
        }
        (true, true) => {
            q.s(" FROM ").t(table);
            String::new()
        }
        (false, _) => {
            q.s(" FROM (SELECT * FROM ").t(table);
            format!(") AS page ORDER BY {order}")
        }
    };
    filtered(q);
    q.s(&format!(" ORDER BY {order}"));
    q.limit(limit, offset);
    q.s(&close);
}

/// `SELECT COUNT(*) FROM <table> WHERE …`: the total `select_page` carries, on its own.
pub(crate) fn select_count(q: &mut Q, table: &str, filtered: impl Fn(&mut Q)) {
    q.s("SELECT COUNT(*) FROM ").t(table);
    filtered(q);
}

/// The total of a `select_page(counted)` page fetched with `limit` (None: all) from `offset`. An
/// empty page carries no total: it means none when the page started at the first row and
/// could hold one; otherwise (past the end, or `LIMIT 0`) it is counted apart.
pub(crate) async fn counted_total(conn: &mut Conn, rows: &[Row], limit: Option<i64>, offset: i64, count: impl FnOnce() -> Q) -> Result<i64> {
    match rows.first() {
        Some(r) => r.int(r.columns() - 1),
        None if offset == 0 && limit != Some(0) => Ok(0),
        None => conn.fetch_int(&count()).await,
    }
}

/// Now, in the one timestamp form the tables hold: `Date.prototype.toISOString()`'s.
pub fn now_iso() -> String {
    to_iso(Utc::now())
}

pub fn to_iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The instant of a stored timestamp in exactly `Date.prototype.toISOString()`'s form
/// (`YYYY-MM-DDTHH:MM:SS.sssZ`, a four-digit year) as milliseconds since the epoch: the
/// same instant `new Date(text)` gives. Anything else (other forms, impossible dates such
/// as February 30, which `Date` reads as invalid) is None, and stays text.
pub(crate) fn iso_to_epoch_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'.' || b[23] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let at = date.and_hms_milli_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?)?;
    Some(at.and_utc().timestamp_millis())
}

/// Parse a caller's timestamp and normalise it to the stored form, so text comparison in
/// SQL is time comparison. Accepts RFC 3339 (what `JSON.stringify(date)` gives) and a bare
/// `YYYY-MM-DD` (UTC midnight, as `new Date('YYYY-MM-DD')` reads it).
pub fn parse_time(field: &str, s: &str) -> Result<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(to_iso(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(to_iso(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()));
    }
    Err(StoreError::invalid(format!("{field} must be a Date or an ISO-8601 string, got {s:?}")))
}

/// Repair `\\u` escapes in JSON text that the stores cannot keep: a lone UTF-16 surrogate
/// (JavaScript strings may hold one; `JSON.stringify` escapes it, but it is not Unicode, and
/// serde_json refuses it) becomes U+FFFD, and with `strip_nul` a `\\u0000` is dropped
/// (PostgreSQL's jsonb refuses it) — the repair @mastra/pg applies. Returns None when the
/// text needs no change, which is the common case and costs one substring search.
pub fn repair_json_escapes(s: &str, strip_nul: bool) -> Option<String> {
    if !s.contains("\\u") {
        return None;
    }
    let b = s.as_bytes();
    let hex = |i: usize| -> Option<u32> {
        let h = s.get(i..i + 4)?;
        u32::from_str_radix(h, 16).ok()
    };
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b.get(i + 1) != Some(&b'u') {
            i += 2; // an ordinary escape, `\\\\` included, is copied as it stands
            continue;
        }
        let Some(code) = hex(i + 2) else {
            i += 2;
            continue;
        };
        let replacement = match code {
            0xD800..=0xDBFF => {
                let paired = b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u') && hex(i + 8).is_some_and(|c| (0xDC00..=0xDFFF).contains(&c));
                if paired {
                    i += 12;
                    continue;
                }
                Some("\\ufffd")
            }
            0xDC00..=0xDFFF => Some("\\ufffd"),
            0 if strip_nul => Some(""),
            _ => None,
        };
        match replacement {
            Some(r) => {
                out.push_str(&s[last..i]);
                out.push_str(r);
                i += 6;
                last = i;
                changed = true;
            }
            None => i += 6,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&s[last..]);
    Some(out)
}

/// JSON text from the JS layer, with escapes the stores cannot keep repaired; an argument
/// nested deeper than `json::MAX_DEPTH` is refused before anything runs.
pub fn clean_input(s: String) -> Result<String> {
    json::check_input_depth(&s)?;
    Ok(repair_json_escapes(&s, false).unwrap_or(s))
}

/// JSON text for the JS layer, with every non-ASCII character written as a `\uXXXX`
/// escape. V8 copies an ASCII string in as one-byte text (a memcpy) and `JSON.parse`s it
/// faster, where UTF-8 must be decoded into a two-byte string: measured on a 39 KB list of
/// messages with some accented / CJK / emoji text, 68 µs of decoding and 93 µs of parsing
/// became 5 µs and 71 µs. Only valid JSON may pass (non-ASCII can then only sit inside
/// string literals, where the escape means the same character).
pub fn ascii_json(s: String) -> String {
    let bytes = s.as_bytes();
    let Some(first) = next_non_ascii(bytes, 0) else { return s };
    // Built as a String from str slices and ASCII escapes, so no UTF-8 check of the result
    // is needed (one on a 40 KB list cost as much as the escaping). Every slice boundary is
    // a char boundary: the start of a non-ASCII char, or the end of one.
    let mut out = String::with_capacity(s.len() + s.len() / 8 + 16);
    out.push_str(&s[..first]);
    let mut i = first;
    loop {
        let c = s[i..].chars().next().expect("i is at a char boundary");
        i += c.len_utf8();
        push_utf16_escape(&mut out, c);
        let next = next_non_ascii(bytes, i).unwrap_or(bytes.len());
        out.push_str(&s[i..next]);
        if next == bytes.len() {
            break;
        }
        i = next;
    }
    out
}

/// `c` as one or two (a surrogate pair) `\uXXXX` escapes, appended in one piece.
fn push_utf16_escape(out: &mut String, c: char) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut units = [0u16; 2];
    let mut buf = [0u8; 12];
    let mut n = 0;
    for &u in c.encode_utf16(&mut units).iter() {
        buf[n] = b'\\';
        buf[n + 1] = b'u';
        for (k, shift) in [12, 8, 4, 0].into_iter().enumerate() {
            buf[n + 2 + k] = HEX[((u >> shift) & 15) as usize];
        }
        n += 6;
    }
    // SAFETY: `buf[..n]` holds only the ASCII bytes written above. (A checked conversion
    // was not inlined: ~2% of a 40-message list, one call per escape.)
    out.push_str(unsafe { std::str::from_utf8_unchecked(&buf[..n]) });
}

/// The index of the first non-ASCII byte at or after `from`: eight bytes at a time, the
/// byte found from the word's high-bit mask. (Message text with a non-ASCII character
/// every few dozen bytes kept a byte-at-a-time search busy: ~8% of a 40-message list.)
fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let high = word & HIGH_BITS;
        if high != 0 {
            // Little-endian: the lowest set bit belongs to the first such byte.
            return Some(i + (high.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|b| !b.is_ascii()).map(|p| i + p)
}

/// The later of now and 1 ms after `previous`, so an update's `updatedAt` always moves
/// forward even when two writes land in the same millisecond.
pub fn now_after(previous: &str) -> String {
    let now = Utc::now();
    match DateTime::parse_from_rfc3339(previous) {
        Ok(p) => {
            let floor = p.with_timezone(&Utc) + chrono::Duration::milliseconds(1);
            to_iso(if now < floor { floor } else { now })
        }
        Err(_) => to_iso(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_json_escapes_only_non_ascii() {
        let text = r#"{"a":"café 東京 🚀 \"q\" \u00e9","b":[1,"x"],"ñ":null}"#.to_string();
        let out = ascii_json(text.clone());
        assert!(out.is_ascii());
        assert!(out.contains(r"caf\u00e9 \u6771\u4eac \ud83d\ude80"));
        let parsed: serde_json::Value = crate::domains::json::parse(&out).unwrap();
        assert_eq!(parsed, crate::domains::json::parse::<serde_json::Value>(&text).unwrap());
        assert_eq!(ascii_json("{}".into()), "{}");
        // Non-ASCII at the edges of the 8-byte words and at both ends of the text.
        for at in [0, 1, 6, 7, 8, 9, 15, 16, 30, 31, 32, 33, 63, 64, 92, 93, 99] {
            let mut text: Vec<char> = "x".repeat(100).chars().collect();
            text[at] = 'é';
            text[(at + 7) % 100] = '🚀';
            let json = serde_json::to_string(&text.iter().collect::<String>()).unwrap();
            let out = ascii_json(json.clone());
            assert!(out.is_ascii(), "at {at}");
            assert_eq!(crate::domains::json::parse::<String>(&out).unwrap(), crate::domains::json::parse::<String>(&json).unwrap(), "at {at}");
        }
        // Generated strings: runs of ASCII of every length between characters of 2, 3 and
        // 4 UTF-8 bytes, one after another too; each must come back as exactly the string.
        let alphabet = ['a', ' ', '"', '\\', '\n', 'é', 'ÿ', '—', '東', '\u{ffff}', '🚀', '\u{10ffff}'];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..400 {
            let s: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Mostly ASCII, so runs of every length occur.
                    if seed % 4 == 0 { alphabet[(seed >> 8) as usize % alphabet.len()] } else { 'x' }
                })
                .collect();
            let out = ascii_json(serde_json::to_string(&s).unwrap());
            assert!(out.is_ascii(), "{s:?}");
            assert_eq!(crate::domains::json::parse::<String>(&out).unwrap(), s);
        }
    }

    #[test]
    fn times_normalise_to_iso_millis() {
        assert_eq!(parse_time("t", "2024-01-02T03:04:05.678Z").unwrap(), "2024-01-02T03:04:05.678Z");
        assert_eq!(parse_time("t", "2024-01-02T03:04:05Z").unwrap(), "2024-01-02T03:04:05.000Z");
        assert_eq!(parse_time("t", "2024-01-02T05:04:05+02:00").unwrap(), "2024-01-02T03:04:05.000Z");
        assert_eq!(parse_time("t", "2024-01-02").unwrap(), "2024-01-02T00:00:00.000Z");
        assert!(parse_time("t", "yesterday").is_err());
    }

    #[test]
    fn json_escapes_are_repaired_only_where_needed() {
        assert_eq!(repair_json_escapes(r#"{"a":"plain"}"#, true), None);
        assert_eq!(repair_json_escapes(r#"{"a":"\ud83d\ude80 ok"}"#, true), None);
        assert_eq!(repair_json_escapes(r#"{"a":"x\ud800y"}"#, false).unwrap(), r#"{"a":"x\ufffdy"}"#);
        assert_eq!(repair_json_escapes(r#"{"\udc00":1}"#, false).unwrap(), r#"{"\ufffd":1}"#);
        assert_eq!(repair_json_escapes(r#"{"a":"n\u0000ul"}"#, true).unwrap(), r#"{"a":"nul"}"#);
        assert_eq!(repair_json_escapes(r#"{"a":"n\u0000ul"}"#, false), None);
        // An escaped backslash followed by the letters u0000 is text, not an escape.
        assert_eq!(repair_json_escapes(r#"{"a":"\\u0000"}"#, true), None);
        let fixed = repair_json_escapes(r#"["\ud800","\u00e9"]"#, false).unwrap();
        assert_eq!(crate::domains::json::parse::<Vec<String>>(&fixed).unwrap(), vec!["\u{fffd}".to_string(), "é".to_string()]);
    }

    #[test]
    fn now_after_moves_forward() {
        let future = "2999-01-01T00:00:00.000Z";
        assert_eq!(now_after(future), "2999-01-01T00:00:00.001Z");
        assert!(now_after("2000-01-01T00:00:00.000Z") > "2000-01-01T00:00:00.001Z".to_string());
    }

    /// Exactly the instants `new Date(text)` reads (checked by the round trip through
    /// `to_iso` of generated instants from year 0 to 9999), and None for everything `Date` would
    /// not read the same way, or at all.
    #[test]
    fn iso_text_to_epoch_millis() {
        assert_eq!(iso_to_epoch_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(iso_to_epoch_millis("0000-01-01T00:00:00.000Z"), Some(-62_167_219_200_000));
        assert_eq!(iso_to_epoch_millis("9999-12-31T23:59:59.999Z"), Some(253_402_300_799_999));
        assert_eq!(iso_to_epoch_millis("2024-02-29T12:34:56.789Z"), Some(1_709_210_096_789));
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let ms = (seed % 315_537_897_600_000) as i64 - 62_167_219_200_000; // years 0..=9999
            let text = to_iso(chrono::DateTime::from_timestamp_millis(ms).unwrap());
            assert_eq!(text.len(), 24, "{text}");
            assert_eq!(iso_to_epoch_millis(&text), Some(ms), "{text}");
        }
        for bad in [
            "2023-02-29T00:00:00.000Z",
            "2024-13-01T00:00:00.000Z",
            "2024-00-10T00:00:00.000Z",
            "2024-01-00T00:00:00.000Z",
            "2024-04-31T00:00:00.000Z",
            "2024-01-01T24:00:00.000Z",
            "2024-01-01T00:60:00.000Z",
            "2024-01-01T00:00:60.000Z",
            "2024-01-01T00:00:00.000+",
            "2024-01-01 00:00:00.000Z",
            "2024-01-01T00:00:00Z",
            "+012024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:0a.000Z",
            "2024-01-01T00:00:00.-00Z",
            "",
        ] {
            assert_eq!(iso_to_epoch_millis(bad), None, "{bad}");
        }
    }
}
