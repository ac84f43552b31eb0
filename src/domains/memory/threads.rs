//! Threads: get, save (upsert), partial update with metadata merge, delete with messages,
//! list with filters and pagination, copy (clone) and moving to another resource.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{thread_cols, to_json, Memory, ThreadRow};
use crate::db::{NullMatch, Tx};
use crate::domains::args::{self, Dir, PerPage};
use crate::domains::{counted_total, now_after, now_iso, page_json, parse_time, select_count, select_page, Page};
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

impl Memory {
    /// A thread read inside an open write transaction, row-locked on PostgreSQL.
    async fn thread_in(&self, tx: &mut Tx, id: &str) -> Result<Option<ThreadRow>> {
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", thread_cols(d))).t("mastra_threads").s(" WHERE id = ").a(id).s(d.for_update());
        tx.fetch_optional(&q).await?.map(|r| ThreadRow::from_row(&r)).transpose()
    }

    /// `getThreadById`: the thread, or None when missing or owned by another resource.
    pub async fn get_thread(&self, thread_id: &str, resource_id: Option<&str>) -> Result<Option<String>> {
        if thread_id.trim().is_empty() {
            return Err(StoreError::invalid("threadId must be a non-empty string"));
        }
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", thread_cols(self.db.dialect()))).t("mastra_threads").s(" WHERE id = ").a(thread_id);
        if let Some(r) = resource_id {
            q.s(r#" AND "resourceId" = "#).a(r);
        }
        let row = self.db.pool().await?.fetch_optional(&q).await?;
        row.map(|r| ThreadRow::from_row(&r).and_then(|t| to_json(&t))).transpose()
    }

    /// `saveThread`: insert or replace the whole row (Mastra re-saves fixed ids).
    pub async fn save_thread(&self, thread_json: &str) -> Result<()> {
        let t: ThreadIn = crate::domains::json::parse(thread_json)?;
        let id = t.id.filter(|s| !s.trim().is_empty()).ok_or_else(|| StoreError::invalid("thread.id must be a non-empty string"))?;
        let resource_id = t.resource_id.ok_or_else(|| StoreError::invalid("thread.resourceId must be a string"))?;
        let now = now_iso();
        let created = t.created_at.as_deref().map(|s| parse_time("thread.createdAt", s)).transpose()?.unwrap_or_else(|| now.clone());
        let updated = t.updated_at.as_deref().map(|s| parse_time("thread.updatedAt", s)).transpose()?.unwrap_or(now);
        let metadata = t.metadata.map(|m| m.get().to_string()).filter(|m| m != "null");
        if metadata.as_ref().is_some_and(|m| !m.starts_with('{')) {
            return Err(StoreError::invalid("thread.metadata must be an object"));
        }
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_threads")
            .s(&format!(r#" (id, "resourceId", title, metadata, {}) VALUES ("#, d.created_updated_cols()))
            .a(id)
            .s(", ")
            .a(resource_id)
            .s(", ")
            .a(t.title.unwrap_or_default())
            .s(", ")
            .json(metadata)
            .s(", ")
            .created_updated(&created, &updated)
            .s(r#") ON CONFLICT (id) DO UPDATE SET "resourceId" = excluded."resourceId", title = excluded.title, metadata = excluded.metadata, "#)
            .excluded_created_updated();
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }

    /// `updateThread`: title replaced when given, metadata shallow-merged, updatedAt now;
    /// one write transaction, so concurrent updates never lose each other's keys.
    pub async fn update_thread(&self, id: &str, title: Option<&str>, metadata_json: Option<&str>) -> Result<String> {
        let patch: Map<String, Value> = match metadata_json {
            None => Map::new(),
            Some(s) => match crate::domains::json::parse(s)? {
                Value::Object(m) => m,
                Value::Null => Map::new(),
                _ => return Err(StoreError::invalid("metadata must be an object")),
            },
        };
        if self.db.dialect().is_pg() {
            // One statement (the merge happens in the database, under the row's lock):
            // one round trip instead of four.
            let mut q = self.db.q();
            q.s("UPDATE ").t("mastra_threads").s(" SET title = COALESCE(").a(title).s(", title), ");
            q.pg_json_merge("metadata", &serde_json::to_string(&patch)?).s(", ");
            q.pg_ts_set_after("updatedAt", &now_iso());
            q.s(" WHERE id = ").a(id).s(&format!(" RETURNING {}", thread_cols(self.db.dialect())));
            let row = self.db.pool().await?.fetch_one_write(&q).await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound(format!("Thread {id} not found")));
            };
            return to_json(&ThreadRow::from_row(&row)?);
        }
        let mut tx = self.db.write_tx().await?;
        let Some(mut thread) = self.thread_in(&mut tx, id).await? else {
            return Err(StoreError::NotFound(format!("Thread {id} not found")));
        };
        let mut merged = thread.metadata_object();
        for (k, v) in patch {
            merged.insert(k, v);
        }
        let merged_text = serde_json::to_string(&merged)?;
        let merged_text = crate::domains::repair_json_escapes(&merged_text, true).unwrap_or(merged_text);
        if let Some(t) = title {
            thread.title = t.to_string();
        }
        thread.updated_at = now_after(&thread.updated_at);
        let mut q = self.db.q();
        q.s("UPDATE ")
            .t("mastra_threads")
            .s(" SET title = ")
            .a(&thread.title)
            .s(", metadata = ")
            .json(Some(merged_text.clone()))
            .s(", ")
            .ts_set("updatedAt", &thread.updated_at)
            .s(" WHERE id = ")
            .a(id);
        tx.execute(&q).await?;
        tx.commit().await?;
        thread.metadata = Some(serde_json::value::RawValue::from_string(merged_text)?);
        to_json(&thread)
    }

    /// `deleteThread`: its messages, then the thread, atomically. Missing is fine.
    pub async fn delete_thread(&self, thread_id: &str) -> Result<()> {
        let mut tx = self.db.write_tx().await?;
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_messages").s(" WHERE thread_id = ").a(thread_id);
        tx.execute(&q).await?;
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_threads").s(" WHERE id = ").a(thread_id);
        tx.execute(&q).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `listThreads`: filter by resourceId and metadata equalities, order by createdAt or
    /// updatedAt (ties by id), paginate. Returns `{threads,total,page,perPage,hasMore}`.
    pub async fn list_threads(&self, args_json: &str) -> Result<String> {
        let a: Value = crate::domains::json::parse(args_json)?;
        let a = args::object(&a, "listThreads arguments")?;
        let page = args::page(a.get("page"))?;
        let per_page = args::per_page(a.get("perPage"), 100)?;
        if per_page == PerPage::All && page != 0 {
            return Err(StoreError::invalid("page must be 0 when perPage is false"));
        }
        let offset = args::offset(page, per_page)?;
        let filter = args::opt_object(a.get("filter"), "filter")?;
        let metadata = args::metadata_filter(filter.and_then(|f| f.get("metadata")))?;
        let (field, direction) = args::order_by(a.get("orderBy"))?;
        let field = match field {
            Some("updatedAt") => "updatedAt",
            _ => "createdAt",
        };
        let dir = Dir::parse(direction, Dir::Desc);
        // A resourceId of any type but string is refused: an object such as `{ $ne: null }`
        // must never read as "no resource filter" and list every resource's threads.
        let resource = args::opt_str(filter.and_then(|f| f.get("resourceId")), "filter.resourceId")?.filter(|s| !s.is_empty());

        // The same WHERE clause for the count and the page.
        let filtered = |q: &mut crate::db::Q| {
            q.s(" WHERE 1 = 1");
            if let Some(r) = resource {
                q.s(r#" AND "resourceId" = "#).a(r);
            }
            for (k, v) in &metadata {
                q.s(" AND ").json_scalar_eq("metadata", &[k], v, NullMatch::NullOrMissing, false);
            }
        };
        let d = self.db.dialect();
        let mut conn = self.db.conn().await?;
        let count = || {
            let mut count = self.db.q();
            select_count(&mut count, "mastra_threads", filtered);
            count
        };
        let mut threads = Vec::new();
        let total = if per_page == PerPage::Limit(0) {
            conn.fetch_int(&count()).await?
        } else {
            let limit = match per_page {
                PerPage::All => None,
                PerPage::Limit(n) => Some(n),
            };
            let dd = dir.sql();
            let order = format!("{} {dd}, id {dd}", d.ts_col(field));
            let mut q = self.db.q();
            select_page(&mut q, Page { cols: &thread_cols(d), table: "mastra_threads", order: &order, limit, offset, counted: true, caller_sorts: false }, filtered);
            let rows = conn.fetch_all(&q).await?;
            let total = counted_total(&mut conn, &rows, limit, offset, count).await?;
            for r in &rows {
                threads.push(ThreadRow::from_row(r)?);
            }
            total
        };
        page_json("threads", &threads, total, page, offset, per_page)
    }

    /// `copyThread`: a new thread (clone metadata, never the source's own) with copies of
    /// the selected messages under new ids, copied inside SQL in one transaction.
    pub async fn copy_thread(&self, args_json: &str) -> Result<String> {
        let a: Value = crate::domains::json::parse(args_json)?;
        let a = args::object(&a, "cloneThread arguments")?;
        let source_id = args::non_empty(a.get("sourceThreadId"), "sourceThreadId")?.to_string();
        let new_id = match args::opt_str(a.get("newThreadId"), "newThreadId")?.filter(|s| !s.is_empty()) {
            Some(s) => s.to_string(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let opts = args::opt_object(a.get("options"), "options")?;
        let filter = args::opt_object(opts.and_then(|o| o.get("messageFilter")), "options.messageFilter")?;
        let date = |k: &str| -> Result<Option<String>> {
            let what = format!("options.messageFilter.{k}");
            args::opt_str(filter.and_then(|f| f.get(k)), &what)?.map(|s| parse_time(k, s)).transpose()
        };
        let (start, end) = (date("startDate")?, date("endDate")?);
        let ids = args::opt_strings(filter.and_then(|f| f.get("messageIds")), "options.messageFilter.messageIds")?.filter(|v| !v.is_empty());
        let limit = args::opt_int(opts.and_then(|o| o.get("messageLimit")), "options.messageLimit")?.filter(|n| *n > 0);
        let resource_arg = args::opt_str(a.get("resourceId"), "resourceId")?.filter(|s| !s.is_empty());
        let title_arg = args::opt_str(a.get("title"), "title")?.filter(|s| !s.is_empty());
        let metadata_arg = args::opt_object(a.get("metadata"), "metadata")?;

        let d = self.db.dialect();
        let mut tx = self.db.write_tx().await?;
        let Some(src) = self.thread_in(&mut tx, &source_id).await? else {
            return Err(StoreError::NotFound(format!("Source thread with id {source_id} not found")));
        };
        let mut q = self.db.q();
        q.s("SELECT 1 FROM ").t("mastra_threads").s(" WHERE id = ").a(&new_id);
        if tx.fetch_optional(&q).await?.is_some() {
            return Err(StoreError::Conflict(format!("Thread with id {new_id} already exists")));
        }

        // The N most recent, then back to chronological order.
        let created = d.ts_col("createdAt");
        let mut q = self.db.q();
        q.s(&format!("SELECT id FROM (SELECT id, {created} AS at FROM ")).t("mastra_messages").s(" WHERE thread_id = ").a(&source_id);
        if let Some(s) = &start {
            q.s(&format!(" AND {created} >= ")).ts(s);
        }
        if let Some(e) = &end {
            q.s(&format!(" AND {created} <= ")).ts(e);
        }
        if let Some(ids) = &ids {
            q.s(" AND ").in_list("id", ids);
        }
        q.s(&format!(" ORDER BY {created} DESC, id DESC"));
        q.limit(limit, 0);
        q.s(") recent ORDER BY at ASC, id ASC");
        let source_ids: Vec<String> = tx.fetch_all(&q).await?.iter().map(|r| r.string(0)).collect::<Result<_>>()?;

        let now = now_iso();
        let resource_id = resource_arg.unwrap_or(&src.resource_id).to_string();
        let title = match title_arg {
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
        let mut metadata = metadata_arg.cloned().unwrap_or_default();
        metadata.insert("clone".into(), Value::Object(clone));
        let metadata_text = serde_json::to_string(&metadata)?;
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_threads")
            .s(&format!(r#" (id, "resourceId", title, metadata, {}) VALUES ("#, d.created_updated_cols()))
            .a(&new_id)
            .s(", ")
            .a(&resource_id)
            .s(", ")
            .a(&title)
            .s(", ")
            .json(Some(metadata_text.clone()))
            .s(", ")
            .created_updated(&now, &now)
            .s(")");
        tx.execute(&q).await?;

        let mut id_map = Map::new();
        let copied_ts = d.ts_cols("createdAt");
        for sid in &source_ids {
            let nid = uuid::Uuid::new_v4().to_string();
            let mut q = self.db.q();
            q.s("INSERT INTO ")
                .t("mastra_messages")
                .s(&format!(r#" (id, thread_id, content, role, type, {copied_ts}, "resourceId") SELECT "#))
                .a(&nid)
                .s(", ")
                .a(&new_id)
                .s(&format!(", content, role, type, {copied_ts}, "))
                .a(&resource_id)
                .s(" FROM ")
                .t("mastra_messages")
                .s(" WHERE id = ")
                .a(sid);
            tx.execute(&q).await?;
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
        let Some(mut thread) = self.thread_in(&mut tx, thread_id).await? else {
            return Err(StoreError::NotFound(format!("Thread \"{thread_id}\" not found")));
        };
        if thread.resource_id != resource_id {
            thread.resource_id = resource_id.to_string();
            thread.updated_at = now_after(&thread.updated_at);
            let mut q = self.db.q();
            q.s("UPDATE ").t("mastra_threads").s(r#" SET "resourceId" = "#).a(resource_id).s(", ").ts_set("updatedAt", &thread.updated_at).s(" WHERE id = ").a(thread_id);
            tx.execute(&q).await?;
            let mut q = self.db.q();
            q.s("UPDATE ").t("mastra_messages").s(r#" SET "resourceId" = "#).a(resource_id).s(" WHERE thread_id = ").a(thread_id);
            tx.execute(&q).await?;
        }
        tx.commit().await?;
        to_json(&thread)
    }
}
