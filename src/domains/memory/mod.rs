//! The memory domain: threads, messages and resources (working memory), with the
//! semantics of Mastra's `MemoryStorage` as @mastra/libsql implements it. Every method
//! takes and returns JSON text; dates cross as ISO strings and the JS layer revives them.

mod messages;
mod resources;
mod threads;

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
        match self.metadata.as_deref().map(|m| serde_json::from_str(m.get())) {
            Some(Ok(serde_json::Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        }
    }
}

/// A message as a MastraDBMessage v2 (`type` omitted when it is 'v2').
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageRow {
    pub id: String,
    /// The stored content: parsed JSON, or the raw text when it is not JSON.
    pub content: Box<RawValue>,
    pub role: String,
    pub created_at: String,
    pub thread_id: String,
    pub resource_id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// False when Mastra's MessageList would change this message on read (see `is_canonical`).
    #[serde(skip)]
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

/// Whether Mastra's `MessageList` (which @mastra/libsql runs every read through) would
/// return this stored message unchanged: a user or assistant message with v2 content whose
/// parts hold no nulls and no legacy `toolInvocations`. Anything else (system messages,
/// plain-string or v1 content, …) is flagged so the JS layer normalises that response with
/// Mastra's own code; the common case stays a straight pass-through.
fn is_canonical(role: &str, content: &str) -> bool {
    if role != "user" && role != "assistant" {
        return false;
    }
    match serde_json::from_str::<ContentShape>(content) {
        Ok(c) => c.format == Some(2) && c.parts.is_some_and(|p| p.iter().all(Option::is_some)) && c.tool_invocations.is_none(),
        Err(_) => false,
    }
}

impl MessageRow {
    fn from_row(r: &Row) -> Result<Self> {
        let content = r.string(1)?;
        let role = r.string(2)?;
        Ok(MessageRow {
            id: r.string(0)?,
            canonical: is_canonical(&role, &content),
            content: raw_json_or_string(content),
            role,
            kind: r.text(3)?.filter(|k| !k.is_empty() && k != "v2"),
            created_at: r.string(4)?,
            thread_id: r.string(5)?,
            resource_id: r.text(6)?,
        })
    }
}

/// Embed stored JSON text as-is (one validating pass, no parse-and-reserialise); text that
/// is not JSON comes back as a JSON string, as @mastra/libsql's `JSON.parse` fallback does.
pub fn raw_json_or_string(text: String) -> Box<RawValue> {
    raw_json_or_string_ref(&text)
}

pub(crate) fn raw_json_or_string_ref(text: &str) -> Box<RawValue> {
    match serde_json::from_str::<&RawValue>(text) {
        Ok(raw) => raw.to_owned(),
        Err(_) => RawValue::from_string(serde_json::to_string(text).expect("string serialises"))
            .expect("a JSON string literal"),
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
        assert!(is_canonical("user", r#"{"format":2,"parts":[{"type":"text","text":"hi"}],"content":"hi"}"#));
        assert!(is_canonical("assistant", r#"{"format":2,"parts":[],"metadata":{"a":1}}"#));
    }

    #[test]
    fn what_messagelist_would_change_is_flagged() {
        assert!(!is_canonical("system", r#"{"format":2,"parts":[]}"#));
        assert!(!is_canonical("user", r#""plain string""#));
        assert!(!is_canonical("user", "not json"));
        assert!(!is_canonical("user", r#"{"format":2,"parts":[null]}"#));
        assert!(!is_canonical("user", r#"{"format":1,"parts":[]}"#));
        assert!(!is_canonical("assistant", r#"{"format":2,"parts":[],"toolInvocations":[]}"#));
    }
}
