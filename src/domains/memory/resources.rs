//! Resources: the per-user record that holds resource-scoped working memory.

use serde_json::{json, Map, Value};

use super::{raw_json_or_string, Memory};
use crate::db::{Dialect, Row};
use crate::domains::{args, now_after, now_iso, parse_time};
use crate::error::{Result, StoreError};

fn resource_cols(d: &Dialect) -> String {
    format!(r#"id, "workingMemory", {}, {}, {}"#, d.json_read("metadata"), d.ts_read("createdAt"), d.ts_read("updatedAt"))
}

struct ResourceRow {
    id: String,
    working_memory: Option<String>,
    metadata: Option<String>,
    created_at: String,
    updated_at: String,
}

/// @mastra/pg's saveResource stores metadata as a JSON *string* holding the object's JSON
/// (and decodes it on read); read such a value as the object it encodes, so resources it
/// wrote read back, and merge, the same here.
fn unwrap_encoded_object(text: String) -> String {
    if text.starts_with('"') {
        if let Ok(inner) = crate::domains::json::parse::<String>(&text) {
            if inner.trim_start().starts_with('{') && crate::domains::json::parse::<Map<String, Value>>(&inner).is_ok() {
                return inner;
            }
        }
    }
    text
}

impl ResourceRow {
    fn from_row(r: &Row) -> Result<Self> {
        Ok(ResourceRow {
            id: r.string(0)?,
            working_memory: r.text(1)?,
            metadata: r.text(2)?.map(unwrap_encoded_object),
            created_at: r.string(3)?,
            updated_at: r.string(4)?,
        })
    }

    /// As Mastra's `StorageResourceType`; working memory is returned verbatim (libsql
    /// re-serialises JSON-looking working memory; we do not).
    fn to_json(&self) -> String {
        json!({
            "id": self.id,
            "workingMemory": self.working_memory,
            "metadata": self.metadata.clone().map(raw_json_or_string),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
        .to_string()
    }
}

impl Memory {
    /// `getResourceById`: the resource or None.
    pub async fn get_resource(&self, id: &str) -> Result<Option<String>> {
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", resource_cols(self.db.dialect()))).t("mastra_resources").s(" WHERE id = ").a(id);
        let row = self.db.pool().await?.fetch_optional(&q).await?;
        Ok(row.map(|r| ResourceRow::from_row(&r)).transpose()?.map(|r| r.to_json()))
    }

    /// `saveResource`: insert or replace.
    pub async fn save_resource(&self, resource_json: &str) -> Result<()> {
        let r: Value = crate::domains::json::parse(resource_json)?;
        let id = args::non_empty(r.get("id"), "resource.id")?;
        let wm = match r.get("workingMemory") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(StoreError::invalid("resource.workingMemory must be a string")),
        };
        let now = now_iso();
        let time = |k: &str| -> Result<String> {
            match args::opt_str(r.get(k), &format!("resource.{k}"))? {
                Some(s) => parse_time(k, s),
                None => Ok(now.clone()),
            }
        };
        let metadata = args::opt_object(r.get("metadata"), "resource.metadata")?.map(|m| serde_json::to_string(m)).transpose()?;
        let (created, updated) = (time("createdAt")?, time("updatedAt")?);
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_resources")
            .s(&format!(r#" (id, "workingMemory", metadata, {}) VALUES ("#, d.created_updated_cols()))
            .a(id)
            .s(", ")
            .a(wm)
            .s(", ")
            .json(metadata)
            .s(", ")
            .created_updated(&created, &updated)
            .s(r#") ON CONFLICT (id) DO UPDATE SET "workingMemory" = excluded."workingMemory", metadata = excluded.metadata, "#)
            .excluded_created_updated();
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }

    /// `updateResource`: create when missing (metadata `{}`), otherwise replace working
    /// memory when given and shallow-merge metadata; updatedAt always moves forward.
    pub async fn update_resource(&self, args_json: &str) -> Result<String> {
        let a: Value = crate::domains::json::parse(args_json)?;
        let id = args::non_empty(a.get("resourceId"), "resourceId")?.to_string();
        let wm_given = a.get("workingMemory").is_some();
        let wm = match a.get("workingMemory") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(StoreError::invalid("workingMemory must be a string")),
        };
        let patch: Option<Map<String, Value>> = match a.get("metadata") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err(StoreError::invalid("metadata must be an object")),
        };

        let d = self.db.dialect();
        let mut tx = self.db.write_tx().await?;
        // Create the row when missing (metadata as given or {}, both timestamps now);
        // otherwise merge into it under its lock. Concurrent first updates cannot collide.
        let now = now_iso();
        let initial_metadata = serde_json::to_string(&patch.clone().unwrap_or_default())?;
        let initial_metadata = crate::domains::repair_json_escapes(&initial_metadata, true).unwrap_or(initial_metadata);
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_resources")
            .s(&format!(r#" (id, "workingMemory", metadata, {}) VALUES ("#, d.created_updated_cols()))
            .a(&id)
            .s(", ")
            .a(wm.clone())
            .s(", ")
            .json(Some(initial_metadata.clone()))
            .s(", ")
            .created_updated(&now, &now)
            .s(") ON CONFLICT (id) DO NOTHING");
        let created = tx.execute(&q).await? > 0;
        let out = if created {
            let mut o = json!({ "id": id, "metadata": raw_json_or_string(initial_metadata), "createdAt": now, "updatedAt": now });
            if wm_given {
                o["workingMemory"] = json!(wm);
            }
            o.to_string()
        } else {
            let mut q = self.db.q();
            q.s(&format!("SELECT {} FROM ", resource_cols(d))).t("mastra_resources").s(" WHERE id = ").a(&id).s(d.for_update());
            let row = tx.fetch_optional(&q).await?.ok_or_else(|| StoreError::NotFound(format!("Resource {id} not found")))?;
            let mut res = ResourceRow::from_row(&row)?;
            let mut merged: Map<String, Value> = match res.metadata.as_deref().map(crate::domains::json::parse) {
                Some(Ok(Value::Object(m))) => m,
                _ => Map::new(),
            };
            let write_meta = patch.is_some();
            for (k, v) in patch.unwrap_or_default() {
                merged.insert(k, v);
            }
            let merged_text = serde_json::to_string(&merged)?;
            let merged_text = crate::domains::repair_json_escapes(&merged_text, true).unwrap_or(merged_text);
            if wm_given {
                res.working_memory = wm;
            }
            res.updated_at = now_after(&res.updated_at);
            let mut q = self.db.q();
            q.s("UPDATE ").t("mastra_resources").s(" SET ").ts_set("updatedAt", &res.updated_at);
            if wm_given {
                q.s(r#", "workingMemory" = "#).a(res.working_memory.clone());
            }
            if write_meta {
                q.s(", metadata = ").json(Some(merged_text.clone()));
            }
            q.s(" WHERE id = ").a(&id);
            tx.execute(&q).await?;
            // The returned record carries the merged metadata (`{}` when there was none).
            res.metadata = Some(merged_text);
            res.to_json()
        };
        tx.commit().await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::unwrap_encoded_object;

    #[test]
    fn string_encoded_objects_are_unwrapped() {
        assert_eq!(unwrap_encoded_object(r#""{\"a\":1}""#.into()), r#"{"a":1}"#);
        assert_eq!(unwrap_encoded_object(r#"{"a":1}"#.into()), r#"{"a":1}"#);
        assert_eq!(unwrap_encoded_object(r#""just text""#.into()), r#""just text""#);
        assert_eq!(unwrap_encoded_object(r#""[1,2]""#.into()), r#""[1,2]""#);
    }
}
