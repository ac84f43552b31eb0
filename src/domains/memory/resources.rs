//! Resources: the per-user record that holds resource-scoped working memory.

use serde_json::{json, Map, Value};
use sqlx::Row;

use super::{raw_json_or_string, Memory};
use crate::domains::{args, now_after, now_iso, parse_time};
use crate::error::{Result, StoreError};

const RESOURCE_COLS: &str = r#"id, "workingMemory", json(metadata), "createdAt", "updatedAt""#;

struct ResourceRow {
    id: String,
    working_memory: Option<String>,
    metadata: Option<String>,
    created_at: String,
    updated_at: String,
}

impl ResourceRow {
    fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Self> {
        Ok(ResourceRow {
            id: r.try_get(0)?,
            working_memory: r.try_get(1)?,
            metadata: r.try_get(2)?,
            created_at: r.try_get(3)?,
            updated_at: r.try_get(4)?,
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
        let pool = self.db.pool().await?;
        let row = sqlx::query(&format!("SELECT {RESOURCE_COLS} FROM mastra_resources WHERE id = ?"))
            .bind(id)
            .fetch_optional(&pool)
            .await?;
        Ok(row.map(|r| ResourceRow::from_row(&r)).transpose()?.map(|r| r.to_json()))
    }

    /// `saveResource`: insert or replace.
    pub async fn save_resource(&self, resource_json: &str) -> Result<()> {
        let r: Value = serde_json::from_str(resource_json)?;
        let id = args::non_empty(r.get("id"), "resource.id")?;
        let wm = match r.get("workingMemory") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(StoreError::invalid("resource.workingMemory must be a string")),
        };
        let now = now_iso();
        let time = |k: &str| -> Result<String> {
            match r.get(k).and_then(Value::as_str) {
                Some(s) => parse_time(k, s),
                None => Ok(now.clone()),
            }
        };
        let metadata = r.get("metadata").filter(|m| !m.is_null()).map(Value::to_string);
        let pool = self.db.pool().await?;
        sqlx::query(
            r#"INSERT OR REPLACE INTO mastra_resources (id, "workingMemory", metadata, "createdAt", "updatedAt") VALUES (?, ?, jsonb(?), ?, ?)"#,
        )
        .bind(id)
        .bind(wm)
        .bind(metadata)
        .bind(time("createdAt")?)
        .bind(time("updatedAt")?)
        .execute(&pool)
        .await?;
        Ok(())
    }

    /// `updateResource`: create when missing (metadata `{}`), otherwise replace working
    /// memory when given and shallow-merge metadata; updatedAt always moves forward.
    pub async fn update_resource(&self, args_json: &str) -> Result<String> {
        let a: Value = serde_json::from_str(args_json)?;
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

        let mut tx = self.db.write_tx().await?;
        let row = sqlx::query(&format!("SELECT {RESOURCE_COLS} FROM mastra_resources WHERE id = ?"))
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
        let out = match row {
            None => {
                let now = now_iso();
                let metadata = serde_json::to_string(&patch.unwrap_or_default())?;
                sqlx::query(
                    r#"INSERT INTO mastra_resources (id, "workingMemory", metadata, "createdAt", "updatedAt") VALUES (?, ?, jsonb(?), ?, ?)"#,
                )
                .bind(&id)
                .bind(&wm)
                .bind(&metadata)
                .bind(&now)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                let mut o = json!({ "id": id, "metadata": raw_json_or_string(metadata), "createdAt": now, "updatedAt": now });
                if wm_given {
                    o["workingMemory"] = json!(wm);
                }
                o.to_string()
            }
            Some(r) => {
                let mut res = ResourceRow::from_row(&r)?;
                let mut merged: Map<String, Value> = match res.metadata.as_deref().map(serde_json::from_str) {
                    Some(Ok(Value::Object(m))) => m,
                    _ => Map::new(),
                };
                let write_meta = patch.is_some();
                for (k, v) in patch.unwrap_or_default() {
                    merged.insert(k, v);
                }
                let merged_text = serde_json::to_string(&merged)?;
                if wm_given {
                    res.working_memory = wm;
                }
                res.updated_at = now_after(&res.updated_at);
                sqlx::query(
                    r#"UPDATE mastra_resources SET "workingMemory" = CASE WHEN ? THEN ? ELSE "workingMemory" END,
                       metadata = CASE WHEN ? THEN jsonb(?) ELSE metadata END, "updatedAt" = ? WHERE id = ?"#,
                )
                .bind(wm_given)
                .bind(&res.working_memory)
                .bind(write_meta)
                .bind(&merged_text)
                .bind(&res.updated_at)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                // The returned record carries the merged metadata (`{}` when there was none).
                res.metadata = Some(merged_text);
                res.to_json()
            }
        };
        tx.commit().await?;
        Ok(out)
    }
}
