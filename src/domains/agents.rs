//! The stored-agents domain: a thin agent record (`mastra_agents`) plus its versions
//! (`mastra_agent_versions`), each version holding a whole agent config. Resolution (the
//! thin record merged with its active or latest version) is Mastra's VersionedStorageDomain,
//! in JS, on top of these primitives.

use serde_json::{json, Map, Value};

use crate::db::{Db, Dialect, NullMatch, Row, Tx, Q};
use crate::domains::args::{self, Dir, PerPage};
use crate::domains::{now_after, now_iso};
use crate::error::{Result, StoreError};

/// The stored-agents domain of one store.
#[derive(Clone)]
pub struct Agents {
    db: Db,
}

const STATUSES: &[&str] = &["draft", "published", "archived"];
const VISIBILITIES: &[&str] = &["private", "public"];

/// How a version column is stored and returned.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Text; NULL comes back as null.
    Text,
    /// JSON; NULL comes back absent (undefined), as @mastra/libsql returns it.
    Json,
}

/// Version config columns after id, agentId, versionNumber and instructions, in the
/// anchors' order.
const VERSION_COLS: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("description", Kind::Text),
    ("model", Kind::Json),
    ("tools", Kind::Json),
    ("defaultOptions", Kind::Json),
    ("workflows", Kind::Json),
    ("agents", Kind::Json),
    ("integrationTools", Kind::Json),
    ("toolProviders", Kind::Json),
    ("inputProcessors", Kind::Json),
    ("outputProcessors", Kind::Json),
    ("memory", Kind::Json),
    ("scorers", Kind::Json),
    ("mcpClients", Kind::Json),
    ("requestContextSchema", Kind::Json),
    ("workspace", Kind::Json),
    ("skills", Kind::Json),
    ("skillsFormat", Kind::Text),
    ("durable", Kind::Json),
    ("browser", Kind::Json),
    ("changedFields", Kind::Json),
    ("changeMessage", Kind::Text),
];

/// Fields of a create input that belong to the thin record, not to version 1.
const THIN_FIELDS: &[&str] = &["id", "authorId", "visibility", "metadata"];

/// Columns of a thin agent record (table alias `a`), in the order `agent_json` reads them.
fn agent_cols(d: &Dialect) -> String {
    format!(
        r#"a.id, a.status, a."activeVersionId", a."authorId", a.visibility, {}, {}, {}, {}"#,
        d.json_read("a.metadata"),
        d.int_read(r#"COALESCE(a."favoriteCount", 0)"#),
        d.ts_read_of("a.", "createdAt"),
        d.ts_read_of("a.", "updatedAt"),
    )
}

/// A thin agent record as Mastra's `StorageAgentType`.
fn agent_json(r: &Row) -> Result<Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(r.string(0)?));
    o.insert("status".into(), json!(r.string(1)?));
    o.insert("activeVersionId".into(), json!(r.text(2)?));
    o.insert("authorId".into(), json!(r.text(3)?));
    if let Some(v) = r.text(4)? {
        o.insert("visibility".into(), json!(v));
    }
    if let Some(m) = r.text(5)? {
        o.insert("metadata".into(), crate::domains::json::parse(&m).unwrap_or(Value::String(m)));
    }
    o.insert("favoriteCount".into(), json!(r.int(6)?));
    o.insert("createdAt".into(), json!(r.string(7)?));
    o.insert("updatedAt".into(), json!(r.string(8)?));
    Ok(Value::Object(o))
}

fn version_cols(d: &Dialect) -> String {
    let mut cols = vec!["id".to_string(), r#""agentId""#.to_string(), d.int_read(r#""versionNumber""#), "instructions".to_string()];
    for (c, k) in VERSION_COLS {
        cols.push(match k {
            Kind::Text => format!("\"{c}\""),
            Kind::Json => d.json_read(&format!("\"{c}\"")),
        });
    }
    cols.push(d.ts_read("createdAt"));
    cols.join(", ")
}

/// A version row as Mastra's `AgentVersion`.
fn version_json(r: &Row) -> Result<Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(r.string(0)?));
    o.insert("agentId".into(), json!(r.string(1)?));
    o.insert("versionNumber".into(), json!(r.int(2)?));
    // Instructions are a string, or an array of blocks stored as its JSON text.
    let instructions = r.string(3)?;
    let instructions = match crate::domains::json::parse::<Value>(&instructions) {
        Ok(v @ Value::Array(_)) => v,
        _ => Value::String(instructions),
    };
    for (i, (c, k)) in VERSION_COLS.iter().enumerate() {
        if *c == "model" {
            o.insert("instructions".into(), instructions.clone());
        }
        let v = r.text(4 + i)?;
        match (k, v) {
            (Kind::Text, v) => {
                o.insert(c.to_string(), json!(v));
            }
            (Kind::Json, Some(text)) => {
                o.insert(c.to_string(), crate::domains::json::parse(&text).unwrap_or(Value::String(text)));
            }
            (Kind::Json, None) => {}
        }
    }
    o.insert("createdAt".into(), json!(r.string(4 + VERSION_COLS.len())?));
    Ok(Value::Object(o))
}

fn check_status(v: &Value) -> Result<&str> {
    match v.as_str() {
        Some(s) if STATUSES.contains(&s) => Ok(s),
        _ => Err(StoreError::invalid(format!("status must be one of {}, got {v}", STATUSES.join(", ")))),
    }
}

fn check_visibility(v: &Value) -> Result<Option<&str>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if VISIBILITIES.contains(&s.as_str()) => Ok(Some(s)),
        _ => Err(StoreError::invalid(format!("visibility must be one of {}, got {v}", VISIBILITIES.join(", ")))),
    }
}

fn text_or_null(v: Option<&Value>, field: &str) -> Result<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(StoreError::invalid(format!("{field} must be a string, got {other}"))),
    }
}

/// An order field among `allowed` (absent → the default), refusing anything else.
fn order_field<'a>(order: Option<&Value>, allowed: &[&'a str], default: &'a str) -> Result<&'a str> {
    match order.and_then(|o| o.get("field")) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(f)) => allowed
            .iter()
            .find(|a| **a == f.as_str())
            .copied()
            .ok_or_else(|| StoreError::invalid(format!("orderBy.field must be one of {}, got {f:?}", allowed.join(", ")))),
        Some(other) => Err(StoreError::invalid(format!("orderBy.field must be a string, got {other}"))),
    }
}

fn order_dir(order: Option<&Value>) -> Result<Dir> {
    match order.and_then(|o| o.get("direction")) {
        None | Some(Value::Null) => Ok(Dir::Desc),
        Some(Value::String(d)) if d == "ASC" => Ok(Dir::Asc),
        Some(Value::String(d)) if d == "DESC" => Ok(Dir::Desc),
        Some(other) => Err(StoreError::invalid(format!("orderBy.direction must be ASC or DESC, got {other}"))),
    }
}

impl Agents {
    pub fn new(db: Db) -> Self {
        Agents { db }
    }

    async fn agent_in(&self, tx: &mut Tx, id: &str) -> Result<Option<Value>> {
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", agent_cols(d))).t("mastra_agents").s(" a WHERE a.id = ").a(id).s(d.for_update());
        tx.fetch_optional(&q).await?.map(|r| agent_json(&r)).transpose()
    }

    /// `getById`: the thin record, or None.
    pub async fn get_by_id(&self, id: &str) -> Result<Option<String>> {
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", agent_cols(self.db.dialect()))).t("mastra_agents").s(" a WHERE a.id = ").a(id);
        Ok(self.db.pool().await?.fetch_optional(&q).await?.map(|r| agent_json(&r).map(|v| v.to_string())).transpose()?)
    }

    /// Insert a version row (inside `tx`). `v` holds the version's fields.
    async fn insert_version(&self, tx: &mut Tx, v: &Map<String, Value>, created_at: &str) -> Result<()> {
        let id = args::non_empty(v.get("id"), "version id")?;
        let agent_id = args::non_empty(v.get("agentId"), "agentId")?;
        let number = match v.get("versionNumber").and_then(Value::as_i64) {
            Some(n) if n >= 1 => n,
            _ => return Err(StoreError::invalid("versionNumber must be a positive integer")),
        };
        if !v.get("name").is_some_and(Value::is_string) {
            return Err(StoreError::invalid("name must be a string"));
        }
        let instructions = match v.get("instructions") {
            Some(Value::String(s)) => s.clone(),
            Some(a @ Value::Array(_)) => a.to_string(),
            _ => return Err(StoreError::invalid("instructions must be a string or an array of instruction blocks")),
        };
        if v.get("model").is_none_or(Value::is_null) {
            return Err(StoreError::invalid("model is required"));
        }
        args::opt_strings(v.get("changedFields"), "changedFields")?;
        let mut q = self.db.q();
        q.s("SELECT 1 FROM ").t("mastra_agent_versions").s(" WHERE id = ").a(id);
        if tx.fetch_optional(&q).await?.is_some() {
            return Err(StoreError::Conflict(format!("Version {id} already exists")));
        }
        let d = self.db.dialect();
        let mut q = self.db.q();
        let names: Vec<String> = VERSION_COLS.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        q.s("INSERT INTO ")
            .t("mastra_agent_versions")
            .s(&format!(r#" (id, "agentId", "versionNumber", instructions, {}, {}) VALUES ("#, names.join(", "), d.ts_cols("createdAt")))
            .a(id)
            .s(", ")
            .a(agent_id)
            .s(", ")
            .a(number)
            .s(", ")
            .a(instructions);
        for (c, k) in VERSION_COLS {
            q.s(", ");
            let val = v.get(*c).filter(|x| !x.is_null());
            match k {
                Kind::Text => {
                    q.a(text_or_null(val, c)?);
                }
                Kind::Json => {
                    q.json(val.map(Value::to_string));
                }
            }
        }
        q.s(", ").ts_values(created_at).s(")");
        tx.execute(&q).await?;
        Ok(())
    }

    /// `create`: the thin record (status draft, no active version) and version 1 holding
    /// every config field, in one transaction. Returns the thin record. `input_keys` are the
    /// caller's own keys (JSON drops those whose value is undefined, which still count as
    /// changed fields, as `Object.keys` lists them).
    pub async fn create(&self, agent_json_in: &str, input_keys: Option<Vec<String>>) -> Result<String> {
        let agent: Map<String, Value> = match crate::domains::json::parse(agent_json_in)? {
            Value::Object(m) => m,
            _ => return Err(StoreError::invalid("agent must be an object")),
        };
        let id = args::non_empty(agent.get("id"), "agent.id")?.to_string();
        let author = text_or_null(agent.get("authorId"), "authorId")?;
        let visibility = match agent.get("visibility") {
            // 'private' for owned agents; unowned (no or empty authorId) stay without one.
            None | Some(Value::Null) => author.as_ref().filter(|a| !a.is_empty()).map(|_| "private".to_string()),
            Some(v) => check_visibility(v)?.map(String::from),
        };
        let metadata = args::opt_object(agent.get("metadata"), "agent.metadata")?.map(serde_json::to_string).transpose()?;
        let now = now_iso();

        let mut version = Map::new();
        version.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
        version.insert("agentId".into(), json!(id));
        version.insert("versionNumber".into(), json!(1));
        let config: Vec<(&String, &Value)> = agent.iter().filter(|(k, _)| !THIN_FIELDS.contains(&k.as_str())).collect();
        for (k, v) in &config {
            version.insert((*k).clone(), (*v).clone());
        }
        let changed: Vec<String> = match input_keys {
            Some(keys) => keys.into_iter().filter(|k| !THIN_FIELDS.contains(&k.as_str())).collect(),
            None => config.iter().map(|(k, _)| (*k).clone()).collect(),
        };
        version.insert("changedFields".into(), json!(changed));
        version.insert("changeMessage".into(), json!("Initial version"));

        let d = self.db.dialect();
        let mut tx = self.db.write_tx().await?;
        let mut q = self.db.q();
        q.s("SELECT 1 FROM ").t("mastra_agents").s(" WHERE id = ").a(&id);
        if tx.fetch_optional(&q).await?.is_some() {
            return Err(StoreError::Conflict(format!("Agent {id} already exists")));
        }
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_agents")
            .s(&format!(
                r#" (id, status, "activeVersionId", "authorId", visibility, metadata, "favoriteCount", {}) VALUES ("#,
                d.created_updated_cols()
            ))
            .a(&id)
            .s(", 'draft', NULL, ")
            .a(author)
            .s(", ")
            .a(visibility)
            .s(", ")
            .json(metadata)
            .s(", 0, ")
            .created_updated(&now, &now)
            .s(")");
        tx.execute(&q).await?;
        self.insert_version(&mut tx, &version, &now).await?;
        let created = self.agent_in(&mut tx, &id).await?.ok_or_else(|| StoreError::NotFound(format!("Agent {id} not found after create")))?;
        tx.commit().await?;
        Ok(created.to_string())
    }

    /// `update`: thin-record fields only (status, activeVersionId, authorId, visibility;
    /// metadata merged); config fields are ignored and no version is created.
    pub async fn update(&self, input_json: &str) -> Result<String> {
        let input: Map<String, Value> = match crate::domains::json::parse(input_json)? {
            Value::Object(m) => m,
            _ => return Err(StoreError::invalid("update must be an object")),
        };
        let id = args::non_empty(input.get("id"), "id")?.to_string();
        // Validate before touching anything.
        let status = input.get("status").map(check_status).transpose()?.map(String::from);
        let visibility = input.get("visibility").map(check_visibility).transpose()?.map(|v| v.map(String::from));
        let author = input.get("authorId").map(|v| text_or_null(Some(v), "authorId")).transpose()?;
        let active = input.get("activeVersionId").map(|v| text_or_null(Some(v), "activeVersionId")).transpose()?;
        let patch = match input.get("metadata") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => return Err(StoreError::invalid("metadata must be an object")),
        };

        let mut tx = self.db.write_tx().await?;
        let Some(existing) = self.agent_in(&mut tx, &id).await? else {
            return Err(StoreError::NotFound(format!("Agent {id} not found")));
        };
        let updated_at = now_after(existing["updatedAt"].as_str().unwrap_or_default());
        let mut q = self.db.q();
        q.s("UPDATE ").t("mastra_agents").s(" SET ").ts_set("updatedAt", &updated_at);
        if let Some(s) = status {
            q.s(", status = ").a(s);
        }
        if let Some(v) = visibility {
            q.s(", visibility = ").a(v);
        }
        if let Some(a) = author {
            q.s(r#", "authorId" = "#).a(a);
        }
        if let Some(a) = active {
            q.s(r#", "activeVersionId" = "#).a(a);
        }
        if let Some(p) = patch {
            let mut merged = existing.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
            for (k, v) in p {
                merged.insert(k, v);
            }
            q.s(", metadata = ").json(Some(Value::Object(merged).to_string()));
        }
        q.s(" WHERE id = ").a(&id);
        tx.execute(&q).await?;
        let out = self.agent_in(&mut tx, &id).await?.ok_or_else(|| StoreError::NotFound(format!("Agent {id} not found")))?;
        tx.commit().await?;
        Ok(out.to_string())
    }

    /// `delete`: every version, then the agent. Missing is fine.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let mut tx = self.db.write_tx().await?;
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_agent_versions").s(r#" WHERE "agentId" = "#).a(id);
        tx.execute(&q).await?;
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_agents").s(" WHERE id = ").a(id);
        tx.execute(&q).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `list`: filters (status, authorId, visibility, metadata, entityIds), favourites of a
    /// user first when asked, then createdAt/updatedAt, then id; paginated.
    pub async fn list(&self, args_json: &str) -> Result<String> {
        let a: Value = crate::domains::json::parse(args_json)?;
        args::object(&a, "listAgents arguments")?;
        args::opt_object(a.get("orderBy"), "orderBy")?;
        let page = args::page(a.get("page"))?;
        let per_page = args::per_page(a.get("perPage"), 100)?;
        let offset = args::offset(page, per_page)?;
        let order = a.get("orderBy");
        let field = order_field(order, &["createdAt", "updatedAt"], "createdAt")?;
        let dir = order_dir(order)?;
        let status = a.get("status").filter(|v| !v.is_null()).map(check_status).transpose()?;
        let visibility = a.get("visibility").filter(|v| !v.is_null()).map(check_visibility).transpose()?.flatten();
        let author = text_or_null(a.get("authorId"), "authorId")?;
        let metadata = args::metadata_filter(a.get("metadata"))?;
        let entity_ids: Option<Vec<String>> = match a.get("entityIds") {
            None | Some(Value::Null) => None,
            Some(Value::Array(v)) => Some(v.iter().map(|x| x.as_str().map(String::from).ok_or_else(|| StoreError::invalid("entityIds must be strings"))).collect::<Result<_>>()?),
            Some(_) => return Err(StoreError::invalid("entityIds must be an array of strings")),
        };
        let pin_for = text_or_null(a.get("pinFavoritedFor"), "pinFavoritedFor")?.filter(|s| !s.is_empty());
        let favorited_only = args::opt_bool(a.get("favoritedOnly"), "favoritedOnly")? == Some(true);
        let empty = || super::page_json::<Value>("agents", &[], 0, page, offset, per_page);
        if entity_ids.as_ref().is_some_and(Vec::is_empty) {
            return empty();
        }

        let d = self.db.dialect().clone();
        let from = |q: &mut Q| {
            q.s(" FROM ").t("mastra_agents").s(" a");
            if let Some(user) = &pin_for {
                q.s(" LEFT JOIN ").t("mastra_favorites").s(r#" f ON f."entityType" = 'agent' AND f."entityId" = a.id AND f."userId" = "#).a(user);
            }
            q.s(" WHERE 1 = 1");
            if let Some(s) = status {
                q.s(" AND a.status = ").a(s);
            }
            if let Some(au) = &author {
                q.s(r#" AND a."authorId" = "#).a(au);
            }
            if let Some(v) = visibility {
                q.s(" AND a.visibility = ").a(v);
            }
            for (k, v) in &metadata {
                q.s(" AND ").json_scalar_eq("a.metadata", &[k], v, NullMatch::NullOrMissing, false);
            }
            if let Some(ids) = &entity_ids {
                q.s(" AND ").in_list("a.id", ids);
            }
            if favorited_only {
                // Without a user to look favourites up for, nothing can be a favourite.
                q.s(if pin_for.is_some() { r#" AND f."userId" IS NOT NULL"# } else { " AND 1 = 0" });
            }
        };
        let mut conn = self.db.conn().await?;
        let mut count = self.db.q();
        count.s("SELECT COUNT(*)");
        from(&mut count);
        let total = conn.fetch_int(&count).await?;
        if total == 0 {
            return empty();
        }
        let mut q = self.db.q();
        q.s(&format!("SELECT {}", agent_cols(&d)));
        from(&mut q);
        q.s(" ORDER BY ");
        if pin_for.is_some() {
            q.s(r#"(CASE WHEN f."userId" IS NOT NULL THEN 1 ELSE 0 END) DESC, "#);
        }
        q.s(&format!("a.{} {}, a.id ASC", d.ts_col(field), dir.sql()));
        q.limit(match per_page {
            PerPage::All => None,
            PerPage::Limit(n) => Some(n),
        }, offset);
        let agents: Vec<Value> = conn.fetch_all(&q).await?.iter().map(agent_json).collect::<Result<_>>()?;
        super::page_json("agents", &agents, total, page, offset, per_page)
    }

    /// `createVersion`: store a version; returns its createdAt.
    pub async fn create_version(&self, input_json: &str) -> Result<String> {
        let v: Map<String, Value> = match crate::domains::json::parse(input_json)? {
            Value::Object(m) => m,
            _ => return Err(StoreError::invalid("version must be an object")),
        };
        let now = now_iso();
        let mut tx = self.db.write_tx().await?;
        self.insert_version(&mut tx, &v, &now).await?;
        tx.commit().await?;
        Ok(now)
    }

    async fn versions_where(&self, build: impl FnOnce(&mut Q)) -> Result<Vec<Value>> {
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", version_cols(self.db.dialect()))).t("mastra_agent_versions").s(" WHERE ");
        build(&mut q);
        self.db.pool().await?.fetch_all(&q).await?.iter().map(version_json).collect()
    }

    /// `getVersion`.
    pub async fn get_version(&self, id: &str) -> Result<Option<String>> {
        Ok(self.versions_where(|q| { q.s("id = ").a(id); }).await?.into_iter().next().map(|v| v.to_string()))
    }

    /// `getVersions`: the versions with these ids (missing ones omitted).
    pub async fn get_versions(&self, ids_json: &str) -> Result<String> {
        let ids: Vec<String> = crate::domains::json::parse(ids_json)?;
        if ids.is_empty() {
            return Ok("[]".into());
        }
        Ok(Value::Array(self.versions_where(|q| { q.in_list("id", &ids); }).await?).to_string())
    }

    /// `getVersionByNumber`.
    pub async fn get_version_by_number(&self, agent_id: &str, number: i64) -> Result<Option<String>> {
        let v = self.versions_where(|q| { q.s(r#""agentId" = "#).a(agent_id).s(r#" AND "versionNumber" = "#).a(number).s(" LIMIT 1"); }).await?;
        Ok(v.into_iter().next().map(|v| v.to_string()))
    }

    /// `getLatestVersion`: the highest versionNumber.
    pub async fn get_latest_version(&self, agent_id: &str) -> Result<Option<String>> {
        let v = self.versions_where(|q| { q.s(r#""agentId" = "#).a(agent_id).s(r#" ORDER BY "versionNumber" DESC LIMIT 1"#); }).await?;
        Ok(v.into_iter().next().map(|v| v.to_string()))
    }

    /// `listVersions`: an agent's versions, by versionNumber or createdAt (default DESC),
    /// 20 per page by default.
    pub async fn list_versions(&self, args_json: &str) -> Result<String> {
        let a: Value = crate::domains::json::parse(args_json)?;
        args::object(&a, "listVersions arguments")?;
        args::opt_object(a.get("orderBy"), "orderBy")?;
        let agent_id = args::non_empty(a.get("agentId"), "agentId")?.to_string();
        let page = args::page(a.get("page"))?;
        let per_page = args::per_page(a.get("perPage"), 20)?;
        let offset = args::offset(page, per_page)?;
        let order = a.get("orderBy");
        let field = order_field(order, &["versionNumber", "createdAt"], "versionNumber")?;
        let dir = order_dir(order)?;
        let d = self.db.dialect().clone();
        let mut conn = self.db.conn().await?;
        let mut count = self.db.q();
        count.s("SELECT COUNT(*) FROM ").t("mastra_agent_versions").s(r#" WHERE "agentId" = "#).a(&agent_id);
        let total = conn.fetch_int(&count).await?;
        let mut versions = Vec::new();
        if total > 0 {
            let order_col = if field == "createdAt" { d.ts_col("createdAt") } else { r#""versionNumber""#.to_string() };
            let dd = dir.sql();
            let mut q = self.db.q();
            q.s(&format!("SELECT {} FROM ", version_cols(&d))).t("mastra_agent_versions").s(r#" WHERE "agentId" = "#).a(&agent_id);
            q.s(&format!(" ORDER BY {order_col} {dd}, id {dd}"));
            q.limit(match per_page {
                PerPage::All => None,
                PerPage::Limit(n) => Some(n),
            }, offset);
            versions = conn.fetch_all(&q).await?.iter().map(version_json).collect::<Result<_>>()?;
        }
        super::page_json("versions", &versions, total, page, offset, per_page)
    }

    /// `deleteVersion`.
    pub async fn delete_version(&self, id: &str) -> Result<()> {
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_agent_versions").s(" WHERE id = ").a(id);
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }

    /// `deleteVersionsByParentId`: every version of an agent.
    pub async fn delete_versions_by_parent(&self, agent_id: &str) -> Result<()> {
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_agent_versions").s(r#" WHERE "agentId" = "#).a(agent_id);
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }

    /// `countVersions`.
    pub async fn count_versions(&self, agent_id: &str) -> Result<i64> {
        let mut q = self.db.q();
        q.s("SELECT COUNT(*) FROM ").t("mastra_agent_versions").s(r#" WHERE "agentId" = "#).a(agent_id);
        self.db.pool().await?.fetch_int(&q).await
    }

    /// Delete every agent and version.
    pub async fn clear_all(&self) -> Result<()> {
        let mut tx = self.db.write_tx().await?;
        for table in ["mastra_agent_versions", "mastra_agents"] {
            let mut q = self.db.q();
            q.s("DELETE FROM ").t(table);
            tx.execute(&q).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
