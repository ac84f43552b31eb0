//! The memory domain: threads, messages and resources (working memory), with the
//! semantics of Mastra's `MemoryStorage` as @mastra/libsql implements it. Every method
//! takes and returns JSON text; dates cross as ISO strings (a message's `createdAt` as epoch
//! milliseconds when it can) and the JS layer revives them.

mod messages;
mod resources;
mod threads;

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::db::{Db, Dialect, Row};
use crate::error::Result;

/// The memory domain of one store.
#[derive(Clone)]
pub struct Memory {
    db: Db,
}

impl Memory {
    pub fn new(db: Db) -> Self {
        Memory { db }
    }

    /// Delete every thread, message and resource.
    pub async fn clear_all(&self) -> Result<()> {
        let mut tx = self.db.write_tx().await?;
        for table in ["mastra_messages", "mastra_threads", "mastra_resources"] {
            let mut q = self.db.q();
            q.s("DELETE FROM ").t(table);
            tx.execute(&q).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Columns of a thread, in the order `ThreadRow::from_row` reads them. Metadata is JSONB
/// on both backends; reading it as JSON text copes with legacy text rows too.
pub(crate) fn thread_cols(d: &Dialect) -> String {
    format!(r#"id, "resourceId", title, {}, {}, {}"#, d.json_read("metadata"), d.ts_read("createdAt"), d.ts_read("updatedAt"))
}

/// Columns of a message, in the order `MessageRow::from_row` reads them.
pub(crate) fn message_cols(d: &Dialect) -> String {
    format!(r#"id, content, role, type, {}, thread_id, "resourceId""#, d.ts_read("createdAt"))
}

/// A thread as Mastra's `StorageThreadType` (dates as ISO strings).
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadRow {
    pub id: String,
    pub resource_id: String,
    pub title: String,
    /// Parsed JSON, or null when the column is NULL (as @mastra/libsql returns it).
    pub metadata: Option<Box<RawValue>>,
    pub created_at: String,
    pub updated_at: String,
}

impl ThreadRow {
    fn from_row(r: &Row) -> Result<Self> {
        Ok(ThreadRow {
            id: r.string(0)?,
            resource_id: r.string(1)?,
            title: r.string(2)?,
            metadata: r.text(3)?.map(raw_json_or_string),
            created_at: r.string(4)?,
            updated_at: r.string(5)?,
        })
    }

    /// The metadata as an object (null or a non-object count as empty), for merging.
    fn metadata_object(&self) -> serde_json::Map<String, serde_json::Value> {
        match self.metadata.as_deref().map(|m| crate::domains::json::parse(m.get())) {
            Some(Ok(serde_json::Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        }
    }
}

/// A message as a MastraDBMessage v2 (`type` omitted when it is 'v2'). Serialised by
/// `write_messages`, which embeds the stored content text as-is: it was validated once by
/// the shape check, and is never parsed into a tree and re-serialised.
#[derive(Debug, Clone)]
pub(crate) struct MessageRow {
    pub id: String,
    /// The stored content text.
    pub content: String,
    /// Whether `content` is JSON (else it is returned as a JSON string, as @mastra/libsql's
    /// `JSON.parse` fallback does).
    pub content_is_json: bool,
    pub role: String,
    pub created_at: String,
    pub thread_id: String,
    pub resource_id: Option<String>,
    pub kind: Option<String>,
    /// False when Mastra's MessageList would change this message on read (see `shape`).
    pub canonical: bool,
}

/// Just enough of a message's content to tell whether it is canonical MastraDBMessage v2.
#[derive(serde::Deserialize)]
struct ContentShape {
    format: Option<i64>,
    parts: Option<Vec<Option<serde::de::IgnoredAny>>>,
    #[serde(rename = "toolInvocations")]
    tool_invocations: Option<serde::de::IgnoredAny>,
}

/// One validating pass over a message's content: (is it JSON, is the message canonical).
/// Canonical means Mastra's `MessageList` (which @mastra/libsql runs every read through)
/// would return it unchanged: a user or assistant message with v2 content whose parts hold
/// no nulls and no legacy `toolInvocations`. Anything else (system messages, plain-string
/// or v1 content, …) is flagged so the JS layer normalises that response with Mastra's own
/// code; the common case stays a straight pass-through.
fn shape(role: &str, content: &str) -> (bool, bool) {
    match crate::domains::json::parse::<ContentShape>(content) {
        Ok(c) => {
            let canonical = (role == "user" || role == "assistant")
                && c.format == Some(2)
                && c.parts.is_some_and(|p| p.iter().all(Option::is_some))
                && c.tool_invocations.is_none();
            (true, canonical)
        }
        // Not an object of that shape: still JSON (a string, an array…)? Rare; check.
        Err(_) => (crate::domains::json::parse::<serde::de::IgnoredAny>(content).is_ok(), false),
    }
}

impl MessageRow {
    fn from_row(mut r: Row) -> Result<Self> {
        let content = r.take_string(1)?;
        let role = r.take_string(2)?;
        let (content_is_json, canonical) = shape(&role, &content);
        Ok(MessageRow {
            id: r.take_string(0)?,
            content,
            content_is_json,
            canonical,
            role,
            kind: r.take_text(3)?.filter(|k| !k.is_empty() && k != "v2"),
            created_at: r.take_string(4)?,
            thread_id: r.take_string(5)?,
            resource_id: r.take_text(6)?,
        })
    }
}

fn push_json_str(out: &mut String, s: &str) {
    // serde_json's escaping, straight into the buffer.
    out.push_str(&serde_json::to_string(s).expect("strings serialise"));
}

/// Append one message as JSON.
fn write_message(out: &mut String, m: &MessageRow) {
    out.push_str("{\"id\":");
    push_json_str(out, &m.id);
    out.push_str(",\"content\":");
    if m.content_is_json {
        out.push_str(m.content.trim());
    } else {
        push_json_str(out, &m.content);
    }
    out.push_str(",\"role\":");
    push_json_str(out, &m.role);
    out.push_str(",\"createdAt\":");
    // The JS layer revives it with `new Date(value)`, which takes the instant as a number
    // of milliseconds without parsing text (V8's date parser was ~2% of a 40-message list).
    match crate::domains::iso_to_epoch_millis(&m.created_at) {
        Some(ms) => {
            let _ = write!(out, "{ms}");
        }
        None => push_json_str(out, &m.created_at),
    }
    out.push_str(",\"threadId\":");
    push_json_str(out, &m.thread_id);
    out.push_str(",\"resourceId\":");
    match &m.resource_id {
        Some(r) => push_json_str(out, r),
        None => out.push_str("null"),
    }
    if let Some(k) = &m.kind {
        out.push_str(",\"type\":");
        push_json_str(out, k);
    }
    out.push('}');
}

/// A JSON array of messages.
pub(crate) fn write_messages(msgs: &[MessageRow]) -> String {
    let mut out = String::with_capacity(messages_json_len(msgs));
    write_messages_into(&mut out, msgs);
    out
}

/// About how long `write_messages`' JSON is (a capacity hint).
pub(crate) fn messages_json_len(msgs: &[MessageRow]) -> usize {
    msgs.iter().map(|m| m.content.len() + 160).sum::<usize>() + 2
}

/// `write_messages`, appended to `out` (a response that wraps the list writes it in place).
pub(crate) fn write_messages_into(out: &mut String, msgs: &[MessageRow]) {
    out.push('[');
    for (i, m) in msgs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_message(out, m);
    }
    out.push(']');
}

/// Embed stored JSON text as-is (one validating pass, no parse-and-reserialise); text that
/// is not JSON comes back as a JSON string, as @mastra/libsql's `JSON.parse` fallback does.
pub fn raw_json_or_string(text: String) -> Box<RawValue> {
    match crate::domains::json::parse::<&RawValue>(&text) {
        Ok(raw) => raw.to_owned(),
        Err(_) => RawValue::from_string(serde_json::to_string(&text).expect("string serialises")).expect("a JSON string literal"),
    }
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string(v).expect("store rows always serialise"))
}

/// Whether a JS layer must pass these messages through Mastra's MessageList.
pub(crate) fn needs_normalize(msgs: &[MessageRow]) -> bool {
    msgs.iter().any(|m| !m.canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_v2_passes_through() {
        assert_eq!(shape("user", r#"{"format":2,"parts":[{"type":"text","text":"hi"}],"content":"hi"}"#), (true, true));
        assert_eq!(shape("assistant", r#"{"format":2,"parts":[],"metadata":{"a":1}}"#), (true, true));
    }

    #[test]
    fn what_messagelist_would_change_is_flagged() {
        assert_eq!(shape("system", r#"{"format":2,"parts":[]}"#), (true, false));
        assert_eq!(shape("user", r#""plain string""#), (true, false));
        assert_eq!(shape("user", "not json"), (false, false));
        assert_eq!(shape("user", r#"{"format":2,"parts":[null]}"#), (true, false));
        assert_eq!(shape("user", r#"{"format":1,"parts":[]}"#), (true, false));
        assert_eq!(shape("assistant", r#"{"format":2,"parts":[],"toolInvocations":[]}"#), (true, false));
    }

    #[test]
    fn messages_serialise_with_content_embedded() {
        let m = MessageRow {
            id: "m\"1".into(),
            content: r#"{"format":2,"parts":[]}"#.into(),
            content_is_json: true,
            role: "user".into(),
            created_at: "2024-01-01T00:00:00.000Z".into(),
            thread_id: "t".into(),
            resource_id: None,
            kind: Some("v3".into()),
            canonical: true,
        };
        let text = write_messages(&[m.clone(), MessageRow { content: "plain".into(), content_is_json: false, kind: None, ..m.clone() }]);
        let v: serde_json::Value = crate::domains::json::parse(&text).unwrap();
        assert_eq!(v[0]["id"], "m\"1");
        assert_eq!(v[0]["content"]["format"], 2);
        assert_eq!(v[0]["type"], "v3");
        assert_eq!(v[0]["resourceId"], serde_json::Value::Null);
        assert_eq!(v[1]["content"], "plain");
        assert!(v[1].get("type").is_none());
        assert_eq!(v[0]["createdAt"], 1_704_067_200_000_i64);
        let odd = write_messages(&[MessageRow { created_at: "2024-02-30T00:00:00.000Z".into(), ..m }]);
        let v: serde_json::Value = crate::domains::json::parse(&odd).unwrap();
        assert_eq!(v[0]["createdAt"], "2024-02-30T00:00:00.000Z");
    }
}
