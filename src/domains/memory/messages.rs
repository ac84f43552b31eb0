//! Messages: batched upsert, the list queries (by thread(s), by resource, by ids) with
//! include windows, date ranges, metadata filters and Mastra's pagination rules, content
//! merging updates, and deletes. Every multi-row write is one `BEGIN IMMEDIATE` transaction.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use sqlx::{Row, SqliteConnection};

use super::{needs_normalize, to_json, Memory, MessageRow, MESSAGE_COLS};
use crate::domains::args::{self, bind_all, Arg, Dir, PerPage};
use crate::domains::{now_iso, parse_time};
use crate::error::{Result, StoreError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageIn<'a> {
    id: Option<String>,
    thread_id: Option<String>,
    resource_id: Option<String>,
    role: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    created_at: Option<String>,
    #[serde(borrow)]
    content: Option<&'a RawValue>,
}

/// A message ready to write.
struct NewMessage {
    id: String,
    thread_id: String,
    resource_id: String,
    role: String,
    kind: String,
    created_at: String,
    content: String,
}

/// Rows per multi-row INSERT: 7 parameters each stays far below SQLite's 32766 limit.
const INSERT_CHUNK: usize = 200;

/// Which messages a list call ranges over.
enum Scope {
    Threads(Vec<String>),
    Resource(String),
}

struct Include {
    id: String,
    prev: i64,
    next: i64,
}

fn validate_message(i: usize, m: MessageIn<'_>, now: &str) -> Result<NewMessage> {
    let at = |what: &str| StoreError::invalid(format!("message at index {i}: {what}"));
    let id = m.id.filter(|s| !s.trim().is_empty()).ok_or_else(|| at("id must be a non-empty string"))?;
    let thread_id = m.thread_id.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        at("Expected to find a threadId for message, but couldn't find one")
    })?;
    let resource_id = m.resource_id.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        at("Expected to find a resourceId for message, but couldn't find one")
    })?;
    let role = m.role.filter(|s| !s.is_empty()).ok_or_else(|| at("role must be a non-empty string"))?;
    let content = m.content.ok_or_else(|| at("content is required"))?;
    // Objects are stored as their JSON text; a plain string content is stored as the bare
    // string, exactly as @mastra/libsql does (`typeof content === 'object' ? stringify : content`).
    let content = if content.get().starts_with('"') {
        serde_json::from_str::<String>(content.get())?
    } else {
        content.get().to_string()
    };
    let created_at = match m.created_at {
        Some(s) => parse_time("createdAt", &s).map_err(|e| at(&e.to_string()))?,
        None => now.to_string(),
    };
    Ok(NewMessage {
        id,
        thread_id,
        resource_id,
        role,
        kind: m.kind.filter(|k| !k.is_empty()).unwrap_or_else(|| "v2".into()),
        created_at,
        content,
    })
}

/// Set `updatedAt` = now on every listed thread that exists.
async fn touch_threads(conn: &mut SqliteConnection, thread_ids: &HashSet<String>) -> Result<()> {
    if thread_ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<&String> = thread_ids.iter().collect();
    sqlx::query(r#"UPDATE mastra_threads SET "updatedAt" = ? WHERE id IN (SELECT value FROM json_each(?))"#)
        .bind(now_iso())
        .bind(serde_json::to_string(&ids)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Thread ids currently holding any of these message ids.
async fn threads_of(conn: &mut SqliteConnection, ids_json: &str) -> Result<HashSet<String>> {
    let rows = sqlx::query("SELECT DISTINCT thread_id FROM mastra_messages WHERE id IN (SELECT value FROM json_each(?))")
        .bind(ids_json)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get::<String, _>(0)?)).collect()
}

fn sort_messages(msgs: &mut [MessageRow], dir: Dir) {
    msgs.sort_by(|a, b| {
        let o = (a.created_at.as_str(), a.id.as_str()).cmp(&(b.created_at.as_str(), b.id.as_str()));
        if dir == Dir::Desc { o.reverse() } else { o }
    });
}

fn rows_to_messages(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<MessageRow>> {
    rows.iter().map(MessageRow::from_row).collect()
}

impl Memory {
    /// `saveMessages`: validate the whole batch, then upsert it in one transaction (a
    /// re-saved id keeps its createdAt and may move to another thread) and bump
    /// `updatedAt` of every thread the batch touched, old and new.
    pub async fn save_messages(&self, messages_json: &str) -> Result<()> {
        let input: Vec<MessageIn<'_>> = serde_json::from_str(messages_json)?;
        if input.is_empty() {
            return Ok(());
        }
        let now = now_iso();
        let batch: Vec<NewMessage> =
            input.into_iter().enumerate().map(|(i, m)| validate_message(i, m, &now)).collect::<Result<_>>()?;

        let ids: Vec<&str> = batch.iter().map(|m| m.id.as_str()).collect();
        let ids_json = serde_json::to_string(&ids)?;
        let mut tx = self.db.write_tx().await?;
        let mut touched = threads_of(&mut *tx, &ids_json).await?;
        for chunk in batch.chunks(INSERT_CHUNK) {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                r#"INSERT INTO mastra_messages (id, thread_id, content, role, type, "createdAt", "resourceId") VALUES {values}
                   ON CONFLICT(id) DO UPDATE SET thread_id = excluded.thread_id, content = excluded.content,
                   role = excluded.role, type = excluded.type, "resourceId" = excluded."resourceId""#
            );
            let mut q = sqlx::query(&sql);
            for m in chunk {
                q = q.bind(&m.id).bind(&m.thread_id).bind(&m.content).bind(&m.role).bind(&m.kind).bind(&m.created_at).bind(&m.resource_id);
            }
            q.execute(&mut *tx).await?;
        }
        touched.extend(batch.iter().map(|m| m.thread_id.clone()));
        touch_threads(&mut *tx, &touched).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `listMessages`: messages of one or more threads.
    pub async fn list_messages(&self, args_json: &str) -> Result<String> {
        let a: Value = serde_json::from_str(args_json)?;
        const BAD_THREAD: &str = "threadId must be a non-empty string or array of non-empty strings";
        let ids: Vec<String> = match a.get("threadId") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(v)) => v
                .iter()
                .map(|x| x.as_str().map(String::from).ok_or_else(|| StoreError::invalid(BAD_THREAD)))
                .collect::<Result<_>>()?,
            _ => return Err(StoreError::invalid(BAD_THREAD)),
        };
        if ids.is_empty() || ids.iter().any(|s| s.trim().is_empty()) {
            return Err(StoreError::invalid(BAD_THREAD));
        }
        self.list_scoped(&a, Scope::Threads(ids)).await
    }

    /// `listMessagesByResourceId`: messages of every thread of a resource.
    pub async fn list_messages_by_resource(&self, args_json: &str) -> Result<String> {
        let a: Value = serde_json::from_str(args_json)?;
        let r = match a.get("resourceId").and_then(Value::as_str) {
            Some(s) if !s.trim().is_empty() => s.to_string(),
            _ => return Err(StoreError::invalid("resourceId is required")),
        };
        self.list_scoped(&a, Scope::Resource(r)).await
    }

    async fn list_scoped(&self, a: &Value, scope: Scope) -> Result<String> {
        let page = args::page(a.get("page"))?;
        let per_page = args::per_page(a.get("perPage"), 40)?;
        let offset = args::offset(page, per_page)?;
        let filter = a.get("filter");
        let metadata = args::metadata_filter(filter.and_then(|f| f.get("metadata")))?;
        let dir = Dir::parse(a.get("orderBy").and_then(|o| o.get("direction")), Dir::Asc);
        // Mastra's `includeTotal: false` lets a caller skip the COUNT.
        let want_total = a.get("includeTotal") != Some(&Value::Bool(false));
        let resource_filter: Option<String> = match &scope {
            Scope::Resource(r) => Some(r.clone()),
            Scope::Threads(_) => a.get("resourceId").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from),
        };
        let includes: Vec<Include> = match a.get("include") {
            Some(Value::Array(v)) => v
                .iter()
                .filter_map(|i| {
                    Some(Include {
                        id: i.get("id")?.as_str()?.to_string(),
                        prev: i.get("withPreviousMessages").and_then(Value::as_i64).unwrap_or(0).max(0),
                        next: i.get("withNextMessages").and_then(Value::as_i64).unwrap_or(0).max(0),
                    })
                })
                .collect(),
            _ => Vec::new(),
        };

        let empty = |total: i64| {
            json!({ "messages": [], "total": total, "page": page, "perPage": per_page.to_json(), "hasMore": false }).to_string()
        };

        let pool = self.db.pool().await?;
        let mut conn = pool.acquire().await?;

        if per_page == PerPage::Limit(0) {
            // Nothing from the page itself: only the include windows (semantic recall's
            // fast path), and no COUNT.
            if includes.is_empty() {
                return Ok(empty(0));
            }
            let mut msgs = self.include_windows(&mut conn, &includes, resource_filter.as_deref()).await?;
            sort_messages(&mut msgs, dir);
            let normalize = needs_normalize(&msgs);
            return Ok(json!({ "messages": msgs, "total": 0, "page": page, "perPage": 0, "hasMore": false, "normalize": normalize }).to_string());
        }

        // WHERE clause from fixed fragments; every value is bound.
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<Arg> = Vec::new();
        match &scope {
            Scope::Threads(ids) if ids.len() == 1 => {
                conds.push("thread_id = ?".into());
                binds.push(Arg::Text(ids[0].clone()));
            }
            Scope::Threads(ids) => {
                conds.push("thread_id IN (SELECT value FROM json_each(?))".into());
                binds.push(Arg::Text(serde_json::to_string(ids)?));
            }
            Scope::Resource(_) => {}
        }
        if let Some(r) = &resource_filter {
            conds.push(r#""resourceId" = ?"#.into());
            binds.push(Arg::Text(r.clone()));
        }
        let range = filter.and_then(|f| f.get("dateRange"));
        if let Some(start) = range.and_then(|r| r.get("start")).and_then(Value::as_str) {
            let excl = range.and_then(|r| r.get("startExclusive")) == Some(&Value::Bool(true));
            conds.push(format!(r#""createdAt" {} ?"#, if excl { ">" } else { ">=" }));
            binds.push(Arg::Text(parse_time("dateRange.start", start)?));
        }
        if let Some(end) = range.and_then(|r| r.get("end")).and_then(Value::as_str) {
            let excl = range.and_then(|r| r.get("endExclusive")) == Some(&Value::Bool(true));
            conds.push(format!(r#""createdAt" {} ?"#, if excl { "<" } else { "<=" }));
            binds.push(Arg::Text(parse_time("dateRange.end", end)?));
        }
        for (k, v) in &metadata {
            // Content that is not valid JSON simply does not match.
            let (sql, b) = args::json_scalar_eq("content", k, v, "metadata.", args::NullMatch::NullOnly);
            conds.push(format!("CASE WHEN json_valid(content) THEN ({sql}) ELSE 0 END"));
            binds.extend(b);
        }
        let where_sql = format!("WHERE {}", conds.join(" AND "));

        let (limit, fetch) = match per_page {
            PerPage::All => (-1, -1),
            // Without a total, one extra row tells whether another page exists.
            PerPage::Limit(n) => (n, if want_total { n } else { n + 1 }),
        };
        let d = dir.sql();
        let sql = format!(r#"SELECT {MESSAGE_COLS} FROM mastra_messages {where_sql} ORDER BY "createdAt" {d}, id {d} LIMIT ? OFFSET ?"#);
        let rows = bind_all(sqlx::query(&sql), &binds).bind(fetch).bind(offset).fetch_all(&mut *conn).await?;
        let mut msgs = rows_to_messages(&rows)?;
        let extra = limit >= 0 && msgs.len() as i64 > limit;
        if extra {
            msgs.truncate(limit as usize);
        }
        let page_count = msgs.len() as i64;
        let total: i64 = if want_total {
            if per_page == PerPage::All || (page_count < limit && (page_count > 0 || offset == 0)) {
                // The page came back short, so it reached the end: total is known.
                offset + page_count
            } else {
                let count_sql = format!("SELECT COUNT(*) FROM mastra_messages {where_sql}");
                bind_all(sqlx::query(&count_sql), &binds).fetch_one(&mut *conn).await?.try_get(0)?
            }
        } else {
            // As @mastra/pg does it: not a real count; callers that skip it must not use it.
            offset + page_count
        };

        if !includes.is_empty() {
            let mut seen: HashSet<String> = msgs.iter().map(|m| m.id.clone()).collect();
            for m in self.include_windows(&mut conn, &includes, resource_filter.as_deref()).await? {
                if seen.insert(m.id.clone()) {
                    msgs.push(m);
                }
            }
        }
        sort_messages(&mut msgs, dir);

        let has_more = match (&scope, per_page) {
            (_, PerPage::All) => false,
            (_, PerPage::Limit(_)) if !want_total => extra,
            (Scope::Resource(_), PerPage::Limit(n)) => offset + n < total,
            (Scope::Threads(_), PerPage::Limit(_)) if !metadata.is_empty() => offset + page_count < total,
            (Scope::Threads(ids), PerPage::Limit(n)) => {
                // Everything of the thread(s) already returned (page plus includes) → no more.
                let ids: HashSet<&str> = ids.iter().map(String::as_str).collect();
                let returned = msgs.iter().filter(|m| ids.contains(m.thread_id.as_str())).count() as i64;
                returned < total && offset + n < total
            }
        };
        Ok(json!({
            "messages": msgs,
            "total": total,
            "page": page,
            "perPage": per_page.to_json(),
            "hasMore": has_more,
            "normalize": needs_normalize(&msgs),
        })
        .to_string())
    }

    /// The include windows: each target (found by id in whatever thread owns it, within
    /// the resource when one is given) with up to `prev` earlier and `next` later messages
    /// of its own thread, in (createdAt, id) order. Deduplicated, ascending.
    async fn include_windows(&self, conn: &mut SqliteConnection, includes: &[Include], resource: Option<&str>) -> Result<Vec<MessageRow>> {
        let ids: Vec<&str> = includes.iter().map(|i| i.id.as_str()).collect();
        let res_cond = if resource.is_some() { r#" AND "resourceId" = ?"# } else { "" };
        let sql = format!(r#"SELECT id, thread_id, "createdAt" FROM mastra_messages WHERE id IN (SELECT value FROM json_each(?)){res_cond}"#);
        let mut q = sqlx::query(&sql).bind(serde_json::to_string(&ids)?);
        if let Some(r) = resource {
            q = q.bind(r);
        }
        let targets: HashMap<String, (String, String)> = q
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
            .collect::<Result<_>>()?;

        let before = format!(
            r#"SELECT {MESSAGE_COLS} FROM mastra_messages WHERE thread_id = ? AND ("createdAt", id) <= (?, ?){res_cond} ORDER BY "createdAt" DESC, id DESC LIMIT ?"#
        );
        let after = format!(
            r#"SELECT {MESSAGE_COLS} FROM mastra_messages WHERE thread_id = ? AND ("createdAt", id) > (?, ?){res_cond} ORDER BY "createdAt" ASC, id ASC LIMIT ?"#
        );
        let mut out: Vec<MessageRow> = Vec::new();
        let mut seen = HashSet::new();
        for inc in includes {
            let Some((thread, created)) = targets.get(&inc.id) else { continue };
            for (sql, n) in [(&before, inc.prev + 1), (&after, inc.next)] {
                if n == 0 {
                    continue;
                }
                let mut q = sqlx::query(sql).bind(thread).bind(created).bind(&inc.id);
                if let Some(r) = resource {
                    q = q.bind(r);
                }
                for m in rows_to_messages(&q.bind(n).fetch_all(&mut *conn).await?)? {
                    if seen.insert(m.id.clone()) {
                        out.push(m);
                    }
                }
            }
        }
        sort_messages(&mut out, Dir::Asc);
        Ok(out)
    }

    /// `listMessagesById`: `{ messages, normalize }`, the messages with these ids from any
    /// thread, createdAt ascending.
    pub async fn list_messages_by_id(&self, ids_json: &str) -> Result<String> {
        let ids: Vec<String> = serde_json::from_str(ids_json)?;
        if ids.is_empty() {
            return Ok(r#"{"messages":[],"normalize":false}"#.into());
        }
        let pool = self.db.pool().await?;
        let rows = sqlx::query(&format!(
            r#"SELECT {MESSAGE_COLS} FROM mastra_messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY "createdAt" ASC, id ASC"#
        ))
        .bind(serde_json::to_string(&ids)?)
        .fetch_all(&pool)
        .await?;
        let msgs = rows_to_messages(&rows)?;
        Ok(json!({ "messages": msgs, "normalize": needs_normalize(&msgs) }).to_string())
    }

    /// `updateMessages`: per message, top-level fields set, `content` shallow-merged (its
    /// `metadata` one level deeper), createdAt never changed; old and new threads bumped.
    /// Unknown ids are ignored. Returns the updated rows as stored.
    pub async fn update_messages(&self, patches_json: &str) -> Result<String> {
        let patches: Vec<Map<String, Value>> = serde_json::from_str(patches_json)?;
        if patches.is_empty() {
            return Ok("[]".into());
        }
        let mut ids: Vec<String> = Vec::with_capacity(patches.len());
        for (i, p) in patches.iter().enumerate() {
            match p.get("id").and_then(Value::as_str) {
                Some(s) if !s.is_empty() => ids.push(s.to_string()),
                _ => return Err(StoreError::invalid(format!("message update at index {i}: id must be a non-empty string"))),
            }
            for key in ["threadId", "role", "type"] {
                if let Some(v) = p.get(key) {
                    if !v.is_string() {
                        return Err(StoreError::invalid(format!("message update at index {i}: {key} must be a string")));
                    }
                }
            }
            if p.get("resourceId").is_some_and(|v| !v.is_string() && !v.is_null()) {
                return Err(StoreError::invalid(format!("message update at index {i}: resourceId must be a string or null")));
            }
        }
        let ids_json = serde_json::to_string(&ids)?;
        let select = format!("SELECT {MESSAGE_COLS} FROM mastra_messages WHERE id IN (SELECT value FROM json_each(?))");

        let mut tx = self.db.write_tx().await?;
        let existing = rows_to_messages(&sqlx::query(&select).bind(&ids_json).fetch_all(&mut *tx).await?)?;
        let mut touched: HashSet<String> = HashSet::new();
        for old in &existing {
            // Two patches for one id: the first is applied, as @mastra/libsql does.
            let Some(patch) = patches.iter().find(|p| p.get("id").and_then(Value::as_str) == Some(old.id.as_str())) else { continue };
            if patch.len() <= 1 {
                continue;
            }
            let mut content_text: Option<String> = None;
            if let Some(new_content) = patch.get("content").filter(|c| !c.is_null()) {
                let mut merged = match serde_json::from_str::<Value>(old.content.get()) {
                    Ok(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                if let Value::Object(nc) = new_content {
                    let old_meta = merged.get("metadata").and_then(Value::as_object).cloned();
                    for (k, v) in nc {
                        merged.insert(k.clone(), v.clone());
                    }
                    if let (Some(mut om), Some(Value::Object(nm))) = (old_meta, nc.get("metadata")) {
                        for (k, v) in nm {
                            om.insert(k.clone(), v.clone());
                        }
                        merged.insert("metadata".into(), Value::Object(om));
                    }
                    content_text = Some(serde_json::to_string(&merged)?);
                } else {
                    content_text = Some(match new_content {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    });
                }
            }
            let text = |k: &str| patch.get(k).and_then(Value::as_str).map(String::from);
            let new_thread = text("threadId");
            sqlx::query(
                r#"UPDATE mastra_messages SET content = COALESCE(?, content), role = COALESCE(?, role), type = COALESCE(?, type),
                   thread_id = COALESCE(?, thread_id), "resourceId" = CASE WHEN ? THEN ? ELSE "resourceId" END WHERE id = ?"#,
            )
            .bind(content_text)
            .bind(text("role"))
            .bind(text("type"))
            .bind(&new_thread)
            .bind(patch.contains_key("resourceId"))
            .bind(text("resourceId"))
            .bind(&old.id)
            .execute(&mut *tx)
            .await?;
            touched.insert(old.thread_id.clone());
            if let Some(t) = new_thread {
                touched.insert(t);
            }
        }
        touch_threads(&mut *tx, &touched).await?;
        let mut updated = rows_to_messages(&sqlx::query(&select).bind(&ids_json).fetch_all(&mut *tx).await?)?;
        tx.commit().await?;
        sort_messages(&mut updated, Dir::Asc);
        to_json(&updated)
    }

    /// `deleteMessages`: delete by ids (unknown ids ignored) and bump the threads that lost
    /// messages, in one transaction.
    /// With `thread_id`, only messages of that thread are deleted.
    pub async fn delete_messages(&self, ids_json: &str, thread_id: Option<&str>) -> Result<()> {
        let ids: Vec<String> = serde_json::from_str(ids_json)?;
        if ids.is_empty() {
            return Ok(());
        }
        let ids_json = serde_json::to_string(&ids)?;
        let mut tx = self.db.write_tx().await?;
        let touched = threads_of(&mut *tx, &ids_json).await?;
        let touched: HashSet<String> = touched.into_iter().filter(|t| thread_id.is_none_or(|want| want == t)).collect();
        sqlx::query("DELETE FROM mastra_messages WHERE id IN (SELECT value FROM json_each(?)) AND (? IS NULL OR thread_id = ?)")
            .bind(&ids_json)
            .bind(thread_id)
            .bind(thread_id)
            .execute(&mut *tx)
            .await?;
        touch_threads(&mut *tx, &touched).await?;
        tx.commit().await?;
        Ok(())
    }
}
