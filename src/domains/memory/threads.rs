//! Threads: get, save (upsert), partial update with metadata merge, delete with messages,
//! list with filters and pagination, copy (clone) and moving to another resource.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use sqlx::{Row, SqliteConnection};

use super::{to_json, Memory, ThreadRow, THREAD_COLS};
use crate::domains::args::{self, bind_all, Arg, Dir, PerPage};
use crate::domains::{now_after, now_iso, parse_time};
use crate::error::{Result, StoreError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadIn {
    id: Option<String>,
    resource_id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    metadata: Option<Box<serde_json::value::RawValue>>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// A thread read on the connection of an open transaction (so the read is part of it).
async fn thread_in(conn: &mut SqliteConnection, id: &str) -> Result<Option<ThreadRow>> {
    sqlx::query(&format!("SELECT {THREAD_COLS} FROM mastra_threads WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| ThreadRow::from_row(&r))
        .transpose()
}

impl Memory {
    /// `getThreadById`: the thread, or None when missing or owned by another resource.
    pub async fn get_thread(&self, thread_id: &str, resource_id: Option<&str>) -> Result<Option<String>> {
        if thread_id.trim().is_empty() {
            return Err(StoreError::invalid("threadId must be a non-empty string"));
        }
        Ok(self.fetch_thread(thread_id, resource_id).await?.map(|t| to_json(&t)).transpose()?)
    }

    async fn fetch_thread(&self, thread_id: &str, resource_id: Option<&str>) -> Result<Option<ThreadRow>> {
        let pool = self.db.pool().await?;
        let sql = match resource_id {
            Some(_) => format!(r#"SELECT {THREAD_COLS} FROM mastra_threads WHERE id = ? AND "resourceId" = ?"#),
            None => format!("SELECT {THREAD_COLS} FROM mastra_threads WHERE id = ?"),
        };
        let mut q = sqlx::query(&sql).bind(thread_id);
        if let Some(r) = resource_id {
            q = q.bind(r);
        }
        q.fetch_optional(&pool).await?.map(|r| ThreadRow::from_row(&r)).transpose()
    }

    /// `saveThread`: insert or replace the whole row (Mastra re-saves fixed ids).
    pub async fn save_thread(&self, thread_json: &str) -> Result<()> {
        let t: ThreadIn = serde_json::from_str(thread_json)?;
        let id = t.id.filter(|s| !s.trim().is_empty()).ok_or_else(|| StoreError::invalid("thread.id must be a non-empty string"))?;
        let resource_id = t.resource_id.ok_or_else(|| StoreError::invalid("thread.resourceId must be a string"))?;
        let now = now_iso();
        let created = t.created_at.as_deref().map(|s| parse_time("thread.createdAt", s)).transpose()?.unwrap_or_else(|| now.clone());
        let updated = t.updated_at.as_deref().map(|s| parse_time("thread.updatedAt", s)).transpose()?.unwrap_or(now);
        let metadata = t.metadata.map(|m| m.get().to_string()).filter(|m| m != "null");
        let pool = self.db.pool().await?;
        sqlx::query(
            r#"INSERT OR REPLACE INTO mastra_threads (id, "resourceId", title, metadata, "createdAt", "updatedAt")
               VALUES (?, ?, ?, jsonb(?), ?, ?)"#,
        )
        .bind(id)
        .bind(resource_id)
        .bind(t.title.unwrap_or_default())
        .bind(metadata)
        .bind(created)
        .bind(updated)
        .execute(&pool)
        .await?;
        Ok(())
    }

    /// `updateThread`: title replaced when given, metadata shallow-merged, updatedAt now;
    /// one write transaction, so concurrent updates never lose each other's keys.
    pub async fn update_thread(&self, id: &str, title: Option<&str>, metadata_json: Option<&str>) -> Result<String> {
        let patch: Map<String, Value> = match metadata_json {
            None => Map::new(),
            Some(s) => match serde_json::from_str(s)? {
                Value::Object(m) => m,
                Value::Null => Map::new(),
                _ => return Err(StoreError::invalid("metadata must be an object")),
            },
        };
        let mut tx = self.db.write_tx().await?;
        let Some(mut thread) = thread_in(&mut tx, id).await? else {
            return Err(StoreError::NotFound(format!("Thread {id} not found")));
        };
        let mut merged = thread.metadata_object();
        for (k, v) in patch {
            merged.insert(k, v);
        }
        let merged_text = serde_json::to_string(&merged)?;
        if let Some(t) = title {
            thread.title = t.to_string();
        }
        thread.updated_at = now_after(&thread.updated_at);
        sqlx::query(r#"UPDATE mastra_threads SET title = ?, metadata = jsonb(?), "updatedAt" = ? WHERE id = ?"#)
            .bind(&thread.title)
            .bind(&merged_text)
            .bind(&thread.updated_at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        thread.metadata = Some(serde_json::value::RawValue::from_string(merged_text)?);
        to_json(&thread)
    }

    /// `deleteThread`: its messages, then the thread, atomically. Missing is fine.
    pub async fn delete_thread(&self, thread_id: &str) -> Result<()> {
        let mut tx = self.db.write_tx().await?;
        sqlx::query("DELETE FROM mastra_messages WHERE thread_id = ?").bind(thread_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM mastra_threads WHERE id = ?").bind(thread_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `listThreads`: filter by resourceId and metadata equalities, order by createdAt or
    /// updatedAt (ties by id), paginate. Returns `{threads,total,page,perPage,hasMore}`.
    pub async fn list_threads(&self, args_json: &str) -> Result<String> {
        let a: Value = serde_json::from_str(args_json)?;
        let page = args::page(a.get("page"))?;
        let per_page = args::per_page(a.get("perPage"), 100)?;
        if per_page == PerPage::All && page != 0 {
            return Err(StoreError::invalid("page must be 0 when perPage is false"));
        }
        let offset = args::offset(page, per_page)?;
        let filter = a.get("filter");
        let metadata = args::metadata_filter(filter.and_then(|f| f.get("metadata")))?;
        let order = a.get("orderBy");
        let field = match order.and_then(|o| o.get("field")).and_then(Value::as_str) {
            Some("updatedAt") => "\"updatedAt\"",
            _ => "\"createdAt\"",
        };
        let dir = Dir::parse(order.and_then(|o| o.get("direction")), Dir::Desc);

        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<Arg> = Vec::new();
        if let Some(r) = filter.and_then(|f| f.get("resourceId")).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            conds.push(r#""resourceId" = ?"#.into());
            binds.push(Arg::Text(r.to_string()));
        }
        for (k, v) in &metadata {
            let (sql, b) = args::json_scalar_eq("metadata", k, v, "", args::NullMatch::NullOrMissing);
            conds.push(sql);
            binds.extend(b);
        }
        let where_sql = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };

        let pool = self.db.pool().await?;
        let mut conn = pool.acquire().await?;
        let count_sql = format!("SELECT COUNT(*) FROM mastra_threads {where_sql}");
        let total: i64 = bind_all(sqlx::query(&count_sql), &binds).fetch_one(&mut *conn).await?.try_get(0)?;
        let mut threads = Vec::new();
        if total > 0 && per_page != PerPage::Limit(0) {
            let limit = match per_page {
                PerPage::All => -1,
                PerPage::Limit(n) => n,
            };
            let d = dir.sql();
            let sql = format!("SELECT {THREAD_COLS} FROM mastra_threads {where_sql} ORDER BY {field} {d}, id {d} LIMIT ? OFFSET ?");
            let rows = bind_all(sqlx::query(&sql), &binds).bind(limit).bind(offset).fetch_all(&mut *conn).await?;
            for r in &rows {
                threads.push(ThreadRow::from_row(r)?);
            }
        }
        let has_more = match per_page {
            PerPage::All => false,
            PerPage::Limit(n) => offset + n < total,
        };
        Ok(json!({
            "threads": threads,
            "total": total,
            "page": page,
            "perPage": per_page.to_json(),
            "hasMore": has_more,
        })
        .to_string())
    }

    /// `copyThread`: a new thread (clone metadata, never the source's own) with copies of
    /// the selected messages under new ids, copied inside SQL in one transaction.
    pub async fn copy_thread(&self, args_json: &str) -> Result<String> {
        let a: Value = serde_json::from_str(args_json)?;
        let source_id = args::non_empty(a.get("sourceThreadId"), "sourceThreadId")?.to_string();
        let new_id = match a.get("newThreadId").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(s) => s.to_string(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let opts = a.get("options");
        let filter = opts.and_then(|o| o.get("messageFilter"));
        let start = filter.and_then(|f| f.get("startDate")).and_then(Value::as_str).map(|s| parse_time("startDate", s)).transpose()?;
        let end = filter.and_then(|f| f.get("endDate")).and_then(Value::as_str).map(|s| parse_time("endDate", s)).transpose()?;
        let ids: Option<Vec<String>> = match filter.and_then(|f| f.get("messageIds")) {
            Some(Value::Array(v)) if !v.is_empty() => Some(v.iter().filter_map(|x| x.as_str().map(String::from)).collect()),
            _ => None,
        };
        let limit = opts.and_then(|o| o.get("messageLimit")).and_then(Value::as_i64).filter(|n| *n > 0);

        let mut tx = self.db.write_tx().await?;
        let Some(src) = thread_in(&mut tx, &source_id).await? else {
            return Err(StoreError::NotFound(format!("Source thread with id {source_id} not found")));
        };
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM mastra_threads WHERE id = ?").bind(&new_id).fetch_optional(&mut *tx).await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("Thread with id {new_id} already exists")));
        }

        let mut conds = vec!["thread_id = ?".to_string()];
        let mut binds = vec![Arg::Text(source_id.clone())];
        if let Some(s) = start {
            conds.push(r#""createdAt" >= ?"#.into());
            binds.push(Arg::Text(s));
        }
        if let Some(e) = end {
            conds.push(r#""createdAt" <= ?"#.into());
            binds.push(Arg::Text(e));
        }
        if let Some(ids) = &ids {
            conds.push("id IN (SELECT value FROM json_each(?))".into());
            binds.push(Arg::Text(serde_json::to_string(ids)?));
        }
        // The N most recent, then back to chronological order.
        let sql = format!(
            r#"SELECT id FROM (SELECT id, "createdAt" FROM mastra_messages WHERE {} ORDER BY "createdAt" DESC, id DESC LIMIT ?) ORDER BY "createdAt" ASC, id ASC"#,
            conds.join(" AND ")
        );
        let source_ids: Vec<String> = bind_all(sqlx::query(&sql), &binds)
            .bind(limit.unwrap_or(-1))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;

        let now = now_iso();
        let resource_id = a.get("resourceId").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(&src.resource_id).to_string();
        let title = match a.get("title").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(t) => t.to_string(),
            None if !src.title.is_empty() => format!("Clone of {}", src.title),
            None => String::new(),
        };
        let mut clone = Map::new();
        clone.insert("sourceThreadId".into(), Value::from(source_id.clone()));
        clone.insert("clonedAt".into(), Value::from(now.clone()));
        if let Some(last) = source_ids.last() {
            clone.insert("lastMessageId".into(), Value::from(last.clone()));
        }
        let mut metadata = match a.get("metadata") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        metadata.insert("clone".into(), Value::Object(clone));
        let metadata_text = serde_json::to_string(&metadata)?;
        sqlx::query(
            r#"INSERT INTO mastra_threads (id, "resourceId", title, metadata, "createdAt", "updatedAt") VALUES (?, ?, ?, jsonb(?), ?, ?)"#,
        )
        .bind(&new_id)
        .bind(&resource_id)
        .bind(&title)
        .bind(&metadata_text)
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;

        let mut id_map = Map::new();
        for sid in &source_ids {
            let nid = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                r#"INSERT INTO mastra_messages (id, thread_id, content, role, type, "createdAt", "resourceId")
                   SELECT ?, ?, content, role, type, "createdAt", ? FROM mastra_messages WHERE id = ?"#,
            )
            .bind(&nid)
            .bind(&new_id)
            .bind(&resource_id)
            .bind(sid)
            .execute(&mut *tx)
            .await?;
            id_map.insert(sid.clone(), Value::from(nid));
        }
        tx.commit().await?;

        let thread = ThreadRow {
            id: new_id,
            resource_id,
            title,
            metadata: Some(serde_json::value::RawValue::from_string(metadata_text)?),
            created_at: now.clone(),
            updated_at: now,
        };
        Ok(json!({ "thread": thread, "messageIdMap": id_map }).to_string())
    }

    /// `updateThreadResourceId`: the thread and all its messages move together, atomically.
    pub async fn update_thread_resource_id(&self, thread_id: &str, resource_id: &str) -> Result<String> {
        let mut tx = self.db.write_tx().await?;
        let Some(mut thread) = thread_in(&mut tx, thread_id).await? else {
            return Err(StoreError::NotFound(format!("Thread \"{thread_id}\" not found")));
        };
        if thread.resource_id != resource_id {
            thread.resource_id = resource_id.to_string();
            thread.updated_at = now_after(&thread.updated_at);
            sqlx::query(r#"UPDATE mastra_threads SET "resourceId" = ?, "updatedAt" = ? WHERE id = ?"#)
                .bind(resource_id)
                .bind(&thread.updated_at)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(r#"UPDATE mastra_messages SET "resourceId" = ? WHERE thread_id = ?"#)
                .bind(resource_id)
                .bind(thread_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        to_json(&thread)
    }
}
