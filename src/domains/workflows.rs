//! The workflows domain: workflow run snapshots (`mastra_workflow_snapshot`), with the
//! atomic read-modify-write updates Mastra relies on for concurrent steps and resumes.
//! Each update runs in one `BEGIN IMMEDIATE` transaction, so it holds across processes.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::db::{Db, Dialect, Row, Tx, Q};
use crate::domains::args::{self, PerPage};
use crate::domains::{counted_total, now_iso, parse_time, select_count, select_page, Page};
use crate::error::{Result, StoreError};

/// The workflows domain of one store.
#[derive(Clone)]
pub struct Workflows {
    db: Db,
}

/// Columns of a run, in the order `run_json` reads them.
fn run_cols(d: &Dialect) -> String {
    format!(r#"workflow_name, run_id, "resourceId", {}, {}, {}"#, d.json_read("snapshot"), d.ts_read("createdAt"), d.ts_read("updatedAt"))
}

fn push_opt_str(out: &mut String, v: Option<String>) {
    match v {
        Some(s) => out.push_str(&serde_json::to_string(&s).expect("strings serialise")),
        None => out.push_str("null"),
    }
}

/// Append a run as Mastra's `WorkflowRun` JSON (dates as ISO strings). The snapshot is the
/// database's own JSON rendering of its JSONB column (`json()` / `::text`), so it is
/// embedded as it comes, never parsed: a page of 50 runs is ~300 KB of snapshots.
fn write_run(out: &mut String, r: &Row, with_snapshot: bool) -> Result<()> {
    out.push_str("{\"workflowName\":");
    push_opt_str(out, r.text(0)?);
    out.push_str(",\"runId\":");
    push_opt_str(out, r.text(1)?);
    if with_snapshot {
        out.push_str(",\"snapshot\":");
        match r.text(3)? {
            Some(snapshot) => out.push_str(&snapshot),
            None => out.push_str("null"),
        }
    }
    out.push_str(",\"resourceId\":");
    push_opt_str(out, r.text(2)?);
    out.push_str(",\"createdAt\":");
    push_opt_str(out, r.text(4)?);
    out.push_str(",\"updatedAt\":");
    push_opt_str(out, r.text(5)?);
    out.push('}');
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersistIn<'a> {
    workflow_name: Option<String>,
    run_id: Option<String>,
    resource_id: Option<String>,
    #[serde(borrow)]
    snapshot: Option<&'a RawValue>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

fn required(v: Option<String>, what: &str) -> Result<String> {
    v.filter(|s| !s.trim().is_empty()).ok_or_else(|| StoreError::invalid(format!("{what} must be a non-empty string")))
}

fn time_or_now(v: Option<&str>, field: &str, now: &str) -> Result<String> {
    v.map(|s| parse_time(field, s)).transpose().map(|t| t.unwrap_or_else(|| now.to_string()))
}

// ---- Mastra's step-result merge (foreach outputs merge element by element) -------------

const PENDING_MARKER: &str = "__mastra_pending__";

/// `{ __mastra_pending__: true }` and nothing else: "reset this foreach slot".
fn is_pending_marker(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && m.get(PENDING_MARKER) == Some(&Value::Bool(true)))
}

/// A suspended step result (not a plain user output that happens to have a status).
fn is_suspended_result(v: &Value) -> bool {
    matches!(v, Value::Object(m)
        if m.get("status").and_then(Value::as_str) == Some("suspended")
            && (m.contains_key("suspendPayload") || m.contains_key("suspendedAt")))
}

fn can_reset(v: &Value) -> bool {
    v.is_null() || is_pending_marker(v) || is_suspended_result(v)
}

/// Apply one step's result to a snapshot as Mastra's `mergeWorkflowStepResult` specifies:
/// when both old and new results carry an array `output` (a foreach), merge it slot by
/// slot (a pending marker resets a slot; other non-null values overwrite); otherwise the
/// new result replaces the step. The request context is shallow-merged.
pub(crate) fn merge_step_result(snapshot: &mut Map<String, Value>, run_id: &str, step_id: &str, result: Value, request_context: Map<String, Value>) -> Result<Value> {
    let Some(Value::Object(context)) = snapshot.get_mut("context") else {
        return Err(StoreError::invalid(format!("Snapshot context not found for runId {run_id}")));
    };
    let merged_step = match (context.get(step_id), &result) {
        (Some(Value::Object(old)), Value::Object(new)) if matches!(old.get("output"), Some(Value::Array(_))) && matches!(new.get("output"), Some(Value::Array(_))) => {
            let old_out = old["output"].as_array().expect("checked above");
            let new_out = new["output"].as_array().expect("checked above");
            let has_pending = new_out.iter().any(is_pending_marker);
            let mut out = old_out.clone();
            for (i, nv) in new_out.iter().enumerate() {
                let beyond = i >= old_out.len();
                let value = if is_pending_marker(nv) {
                    (beyond || can_reset(&old_out[i])).then_some(Value::Null)
                } else if !nv.is_null() && !has_pending {
                    Some(nv.clone())
                } else {
                    beyond.then_some(Value::Null)
                };
                if let Some(v) = value {
                    if beyond {
                        out.push(v);
                    } else {
                        out[i] = v;
                    }
                }
            }
            let mut step = old.clone();
            if !has_pending {
                // A pending-marker write is a reset built from an older snapshot: keep the
                // step's own fields and take only the slot resets.
                for (k, v) in new {
                    step.insert(k.clone(), v.clone());
                }
            }
            step.insert("output".into(), Value::Array(out));
            Value::Object(step)
        }
        _ => result,
    };
    context.insert(step_id.to_string(), merged_step);
    let context = Value::Object(context.clone());
    let mut rc = match snapshot.remove("requestContext") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in request_context {
        rc.insert(k, v);
    }
    snapshot.insert("requestContext".into(), Value::Object(rc));
    Ok(context)
}

/// A fresh snapshot for a run that has none yet, as Mastra's `createEmptyWorkflowSnapshot`.
fn empty_snapshot(run_id: &str) -> Map<String, Value> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    match json!({
        "context": {}, "activePaths": [], "timestamp": now_ms, "suspendedPaths": {}, "activeStepsPath": {},
        "resumeLabels": {}, "serializedStepGraph": [], "status": "pending", "value": {}, "waitingPaths": {},
        "runId": run_id, "requestContext": {},
    }) {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    }
}

/// Mastra's `cleanStepResult`: drop the engine's `__state`/`__stateDelta` and
/// `metadata.nestedRunId` at the step level and the foreach-iteration level only.
fn clean_step_result(v: &Value) -> Value {
    fn clean_one(m: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (k, v) in m {
            match k.as_str() {
                "__state" | "__stateDelta" => {}
                "metadata" => {
                    if let Value::Object(meta) = v {
                        let kept: Map<String, Value> = meta.iter().filter(|(k, _)| k.as_str() != "nestedRunId").map(|(k, v)| (k.clone(), v.clone())).collect();
                        if !kept.is_empty() {
                            out.insert(k.clone(), Value::Object(kept));
                        }
                    }
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }
    let clean_items = |items: &Vec<Value>| -> Vec<Value> {
        items.iter().map(|i| match i {
            Value::Object(m) => Value::Object(clean_one(m)),
            other => other.clone(),
        }).collect()
    };
    match v {
        Value::Array(items) => Value::Array(clean_items(items)),
        Value::Object(m) => {
            let mut c = clean_one(m);
            if let Some(Value::Array(items)) = c.get("output") {
                let cleaned = clean_items(items);
                c.insert("output".into(), Value::Array(cleaned));
            }
            Value::Object(c)
        }
        other => other.clone(),
    }
}

/// The optional parts of a `WorkflowState` a caller may select; all of them when none is.
const STATE_FIELDS: &[&str] = &["result", "error", "payload", "steps", "activeStepsPath", "serializedStepGraph", "suspendedPaths", "resumeLabels", "waitingPaths"];
/// Parts returned only when asked for by name, as Mastra's own getWorkflowRunById does.
const ON_REQUEST_FIELDS: &[&str] = &["requestContext", "tracingContext"];

impl Workflows {
    pub fn new(db: Db) -> Self {
        Workflows { db }
    }

    /// The statement reading one run's snapshot (row-locked on PostgreSQL when `lock`).
    fn snapshot_query(&self, workflow_name: &str, run_id: &str, lock: bool) -> Q {
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", d.json_read("snapshot")))
            .t("mastra_workflow_snapshot")
            .s(" WHERE workflow_name = ")
            .a(workflow_name)
            .s(" AND run_id = ")
            .a(run_id);
        if lock {
            q.s(d.for_update());
        }
        q
    }

    /// Replace a run's snapshot inside an open write transaction, and its updatedAt when given.
    async fn write_snapshot(&self, tx: &mut Tx, workflow_name: &str, run_id: &str, snapshot: String, updated_at: Option<&str>) -> Result<()> {
        let mut q = self.db.q();
        q.s("UPDATE ").t("mastra_workflow_snapshot").s(" SET snapshot = ").json(Some(snapshot));
        if let Some(at) = updated_at {
            q.s(", ").ts_set("updatedAt", at);
        }
        q.s(" WHERE workflow_name = ").a(workflow_name).s(" AND run_id = ").a(run_id);
        tx.execute(&q).await?;
        Ok(())
    }

    /// A run's stored snapshot text, read inside an open write transaction: Some(None) when
    /// the row has a NULL snapshot, None without a row.
    async fn snapshot_in(&self, tx: &mut Tx, workflow_name: &str, run_id: &str) -> Result<Option<Option<String>>> {
        tx.fetch_optional(&self.snapshot_query(workflow_name, run_id, true)).await?.map(|r| r.text(0)).transpose()
    }

    /// `persistWorkflowSnapshot`: upsert on (workflow_name, run_id). An existing row keeps
    /// its createdAt and, when the new resourceId is null, its resourceId.
    pub async fn persist(&self, args_json: &str) -> Result<()> {
        let a: PersistIn<'_> = crate::domains::json::parse(args_json)?;
        let workflow_name = required(a.workflow_name, "workflowName")?;
        let run_id = required(a.run_id, "runId")?;
        let snapshot = a.snapshot.ok_or_else(|| StoreError::invalid("snapshot is required"))?;
        if !snapshot.get().starts_with('{') {
            return Err(StoreError::invalid("snapshot must be an object"));
        }
        let now = now_iso();
        let created = time_or_now(a.created_at.as_deref(), "createdAt", &now)?;
        let updated = time_or_now(a.updated_at.as_deref(), "updatedAt", &now)?;
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_workflow_snapshot")
            .s(&format!(r#" (workflow_name, run_id, "resourceId", snapshot, {}) VALUES ("#, d.created_updated_cols()))
            .a(workflow_name)
            .s(", ")
            .a(run_id)
            .s(", ")
            .a(a.resource_id.filter(|s| !s.is_empty()))
            .s(", ")
            .json(Some(snapshot.get().to_string()))
            .s(", ")
            .created_updated(&created, &updated)
            // An existing run keeps its createdAt, and its resourceId when none is given.
            .s(r#") ON CONFLICT (workflow_name, run_id) DO UPDATE SET "resourceId" = COALESCE(excluded."resourceId", "#)
            .t("mastra_workflow_snapshot")
            .s(r#"."resourceId"), snapshot = excluded.snapshot, "#)
            .ts_excluded("updatedAt");
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }

    /// `loadWorkflowSnapshot`: the stored snapshot JSON, or None.
    pub async fn load(&self, workflow_name: &str, run_id: &str) -> Result<Option<String>> {
        let q = self.snapshot_query(workflow_name, run_id, false);
        Ok(self.db.pool().await?.fetch_optional(&q).await?.map(|r| r.text(0)).transpose()?.flatten())
    }

    async fn newest_run(&self, run_id: &str, workflow_name: Option<&str>) -> Result<Option<Row>> {
        let d = self.db.dialect();
        let mut q = self.db.q();
        q.s(&format!("SELECT {} FROM ", run_cols(d))).t("mastra_workflow_snapshot").s(" WHERE run_id = ").a(run_id);
        if let Some(w) = workflow_name {
            q.s(" AND workflow_name = ").a(w);
        }
        q.s(&format!(" ORDER BY {} DESC LIMIT 1", d.ts_col("createdAt")));
        self.db.pool().await?.fetch_optional(&q).await
    }

    /// `getWorkflowRunById`: the newest run with this id (in this workflow, when named).
    pub async fn get_run(&self, run_id: &str, workflow_name: Option<&str>) -> Result<Option<String>> {
        match self.newest_run(run_id, workflow_name.filter(|w| !w.is_empty())).await? {
            Some(r) => {
                let mut out = String::new();
                write_run(&mut out, &r, true)?;
                Ok(Some(out))
            }
            None => Ok(None),
        }
    }

    /// A run as Mastra's `WorkflowState`, built here so that only the requested parts
    /// (`fields`; all when empty) cross to JS. Steps are the snapshot's context without
    /// `input`, cleaned of engine internals.
    pub async fn get_state(&self, run_id: &str, fields: Option<Vec<String>>) -> Result<Option<String>> {
        let Some(row) = self.newest_run(run_id, None).await? else { return Ok(None) };
        let snapshot_text = row.text(3)?;
        let snapshot: Map<String, Value> = match snapshot_text.as_deref().map(crate::domains::json::parse) {
            Some(Ok(Value::Object(m))) => m,
            _ => return Ok(None),
        };
        let fields = fields.unwrap_or_default();
        for f in &fields {
            if !STATE_FIELDS.contains(&f.as_str()) && !ON_REQUEST_FIELDS.contains(&f.as_str()) {
                return Err(StoreError::invalid(format!(
                    "unknown workflow state field {f:?}; expected one of {}, {}",
                    STATE_FIELDS.join(", "),
                    ON_REQUEST_FIELDS.join(", ")
                )));
            }
        }
        let all = fields.is_empty();
        let want = |f: &str| all || fields.iter().any(|x| x == f);
        let mut out = Map::new();
        out.insert("runId".into(), json!(row.text(1)?));
        out.insert("workflowName".into(), json!(row.text(0)?));
        out.insert("resourceId".into(), json!(row.text(2)?));
        out.insert("createdAt".into(), json!(row.text(4)?));
        out.insert("updatedAt".into(), json!(row.text(5)?));
        out.insert("status".into(), snapshot.get("status").cloned().unwrap_or(Value::Null));
        if let Some(Value::Object(v)) = snapshot.get("value") {
            if !v.is_empty() {
                out.insert("initialState".into(), Value::Object(v.clone()));
            }
        }
        let context = snapshot.get("context").and_then(Value::as_object);
        for f in STATE_FIELDS {
            if !want(f) {
                continue;
            }
            let v = match *f {
                "payload" => context.and_then(|c| c.get("input")).cloned(),
                "steps" => Some(Value::Object(
                    context
                        .map(|c| c.iter().filter(|(k, _)| k.as_str() != "input" && k.as_str() != "__state").map(|(k, v)| (k.clone(), clean_step_result(v))).collect())
                        .unwrap_or_default(),
                )),
                other => snapshot.get(other).cloned(),
            };
            if let Some(v) = v {
                out.insert(f.to_string(), v);
            }
        }
        for f in ON_REQUEST_FIELDS {
            if fields.iter().any(|x| x == f) {
                if let Some(v) = snapshot.get(*f) {
                    out.insert(f.to_string(), v.clone());
                }
            }
        }
        Ok(Some(Value::Object(out).to_string()))
    }

    /// `deleteWorkflowRunById`; without a workflow name, every run with that id.
    pub async fn delete_run(&self, run_id: &str, workflow_name: Option<&str>) -> Result<()> {
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_workflow_snapshot").s(" WHERE run_id = ").a(run_id);
        if let Some(w) = workflow_name {
            q.s(" AND workflow_name = ").a(w);
        }
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }

    /// `listWorkflowRuns`: filters (workflowName, status from the snapshot, inclusive
    /// fromDate/toDate, resourceId, threadId inside the snapshot), newest first; paginated
    /// only when both page and perPage are numbers. Returns `{ runs, total }` without the
    /// snapshots, and the snapshots' JSON texts in the same order.
    pub async fn list_runs(&self, args_json: &str) -> Result<(String, Vec<Option<String>>)> {
        let a: Value = crate::domains::json::parse(args_json)?;
        let a = args::object(&a, "listWorkflowRuns arguments")?;
        // Every filter is a string or absent: any other type is refused up front, never
        // read as "no filter".
        for k in ["fromDate", "toDate", "workflowName", "status", "resourceId", "threadId"] {
            args::opt_str(a.get(k), k)?;
        }
        let s = |k: &str| a.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let d = self.db.dialect();
        let created = d.ts_col("createdAt");
        let (from, to) = (s("fromDate").map(|f| parse_time("fromDate", f)).transpose()?, s("toDate").map(|t| parse_time("toDate", t)).transpose()?);
        let filtered = |q: &mut Q| {
            q.s(" WHERE 1 = 1");
            if let Some(w) = s("workflowName") {
                q.s(" AND workflow_name = ").a(w);
            }
            if let Some(st) = s("status") {
                q.s(&format!(" AND {} = ", d.json_text_at("snapshot", &["status"]))).a(st);
            }
            if let Some(f) = &from {
                q.s(&format!(" AND {created} >= ")).ts(f);
            }
            if let Some(t) = &to {
                q.s(&format!(" AND {created} <= ")).ts(t);
            }
            if let Some(r) = s("resourceId") {
                q.s(r#" AND "resourceId" = "#).a(r);
            }
            if let Some(t) = s("threadId") {
                q.s(" AND ").workflow_thread_match(t);
            }
        };
        // Mastra paginates only when both are numbers (`typeof === 'number'`, which NaN and
        // Infinity are too: they arrive as marker objects and are rejected below). Any other
        // type is an error, never "no pagination".
        for k in ["page", "perPage"] {
            match a.get(k) {
                None | Some(Value::Null | Value::Number(_)) => {}
                Some(v) if args::is_js_number(v) || (k == "perPage" && *v == Value::Bool(false)) => {}
                Some(v) => return Err(StoreError::invalid(format!("{k} must be a number, got {}", args::type_name(v)))),
            }
        }
        let numeric = |k: &str| a.get(k).is_some_and(args::is_js_number);
        let paginate = numeric("page") && numeric("perPage");

        let mut conn = self.db.conn().await?;
        let (limit, offset) = if paginate {
            let page = args::page(a.get("page"))?;
            let per_page = match args::per_page(a.get("perPage"), 0)? {
                PerPage::Limit(n) => Some(n),
                PerPage::All => None,
            };
            (per_page, args::offset(page, per_page.map(PerPage::Limit).unwrap_or(PerPage::All))?)
        } else {
            (None, 0)
        };
        let mut q = self.db.q();
        let order = format!("{created} DESC, run_id DESC");
        select_page(&mut q, Page { cols: &run_cols(d), table: "mastra_workflow_snapshot", order: &order, limit, offset, counted: paginate, caller_sorts: false }, filtered);
        let rows = conn.fetch_all(&q).await?;
        let total = if paginate {
            let count = || {
                let mut count = self.db.q();
                select_count(&mut count, "mastra_workflow_snapshot", filtered);
                count
            };
            counted_total(&mut conn, &rows, limit, offset, count).await?
        } else {
            rows.len() as i64
        };
        // The runs without their snapshots, and the snapshots apart as the database renders
        // them: the JS layer parses a snapshot only when it is read.
        let mut out = String::with_capacity(rows.len() * 200 + 32);
        let mut snapshots = Vec::with_capacity(rows.len());
        out.push_str("{\"runs\":[");
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_run(&mut out, r, false)?;
            snapshots.push(r.text(3)?);
        }
        out.push_str(&format!("],\"total\":{total}}}"));
        Ok((out, snapshots))
    }

    /// `updateWorkflowResults`: merge one step's result into the run's snapshot (creating
    /// the run when missing) atomically; returns the snapshot's context.
    pub async fn update_results(&self, args_json: &str) -> Result<String> {
        let mut a: Map<String, Value> = crate::domains::json::parse(args_json)?;
        let text = |a: &Map<String, Value>, k: &str| required(args::opt_str(a.get(k), k)?.map(String::from), k);
        let workflow_name = text(&a, "workflowName")?;
        let run_id = text(&a, "runId")?;
        let step_id = text(&a, "stepId")?;
        let result = a.remove("result").unwrap_or(Value::Null);
        let request_context = match a.remove("requestContext") {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => Map::new(),
            Some(other) => {
                return Err(StoreError::invalid(format!("requestContext must be an object, got {}", args::type_name(&other))))
            }
        };

        let d = self.db.dialect();
        let mut tx = self.db.write_tx().await?;
        // Make sure the row exists before reading it under lock, so two first updates of
        // one run serialise on the row instead of both inserting.
        let now = now_iso();
        let mut q = self.db.q();
        q.s("INSERT INTO ")
            .t("mastra_workflow_snapshot")
            .s(&format!(" (workflow_name, run_id, snapshot, {}) VALUES (", d.created_updated_cols()))
            .a(&workflow_name)
            .s(", ")
            .a(&run_id)
            .s(", ")
            .json(Some(Value::Object(empty_snapshot(&run_id)).to_string()))
            .s(", ")
            .created_updated(&now, &now)
            .s(") ON CONFLICT (workflow_name, run_id) DO NOTHING");
        tx.execute(&q).await?;
        let stored = self.snapshot_in(&mut tx, &workflow_name, &run_id).await?;
        let mut snapshot = match stored.flatten().as_deref().map(crate::domains::json::parse::<Value>) {
            None => empty_snapshot(&run_id),
            Some(Ok(Value::Object(m))) => m,
            Some(_) => return Err(StoreError::invalid(format!("Snapshot context not found for runId {run_id}"))),
        };
        let context = merge_step_result(&mut snapshot, &run_id, &step_id, result, request_context)?;
        self.write_snapshot(&mut tx, &workflow_name, &run_id, serde_json::to_string(&snapshot)?, Some(&now)).await?;
        tx.commit().await?;
        // What was stored: JSON values lose NUL characters (see `Q::json`).
        let context = context.to_string();
        Ok(crate::domains::repair_json_escapes(&context, true).unwrap_or(context))
    }

    /// `updateWorkflowState`: shallow-merge `opts` into the snapshot atomically. With
    /// `expectedStatus` (one status or a list), a compare-and-set: on mismatch nothing is
    /// written and None comes back. None for a missing run.
    pub async fn update_state(&self, args_json: &str) -> Result<Option<String>> {
        let a: Map<String, Value> = crate::domains::json::parse(args_json)?;
        let workflow_name = required(args::opt_str(a.get("workflowName"), "workflowName")?.map(String::from), "workflowName")?;
        let run_id = required(args::opt_str(a.get("runId"), "runId")?.map(String::from), "runId")?;
        let mut opts = match a.get("opts") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(StoreError::invalid("opts must be an object")),
        };
        let expected = opts.remove("expectedStatus");
        args::opt_str(opts.get("status"), "opts.status")?;

        let mut tx = self.db.write_tx().await?;
        let stored = self.snapshot_in(&mut tx, &workflow_name, &run_id).await?;
        let Some(stored) = stored else { return Ok(None) };
        let mut snapshot = match stored.as_deref().map(crate::domains::json::parse::<Value>) {
            Some(Ok(Value::Object(m))) if m.get("context").is_some_and(|c| !c.is_null()) => m,
            _ => return Err(StoreError::NotFound(format!("Snapshot not found for runId {run_id}"))),
        };
        if let Some(expected) = expected.filter(|e| !e.is_null()) {
            let current = snapshot.get("status").and_then(Value::as_str);
            let matches = match &expected {
                Value::String(s) => current == Some(s.as_str()),
                Value::Array(list) => current.is_some_and(|c| list.iter().any(|e| e.as_str() == Some(c))),
                _ => return Err(StoreError::invalid("expectedStatus must be a status or an array of statuses")),
            };
            if !matches {
                return Ok(None);
            }
        }
        for (k, v) in opts {
            snapshot.insert(k, v);
        }
        let text = serde_json::to_string(&snapshot)?;
        // As @mastra/libsql: a state update leaves the row's updatedAt alone.
        self.write_snapshot(&mut tx, &workflow_name, &run_id, text.clone(), None).await?;
        tx.commit().await?;
        Ok(Some(crate::domains::repair_json_escapes(&text, true).unwrap_or(text)))
    }

    /// Delete every workflow run.
    pub async fn clear_all(&self) -> Result<()> {
        let mut q = self.db.q();
        q.s("DELETE FROM ").t("mastra_workflow_snapshot");
        self.db.pool().await?.execute(&q).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn plain_results_replace_the_step_and_request_context_merges() {
        let mut s = obj(json!({"context": {"a": {"status": "running"}}, "requestContext": {"x": 1}}));
        let ctx = merge_step_result(&mut s, "r", "a", json!({"status": "success", "output": 1}), obj(json!({"y": 2}))).unwrap();
        assert_eq!(ctx, json!({"a": {"status": "success", "output": 1}}));
        assert_eq!(s["requestContext"], json!({"x": 1, "y": 2}));
    }

    #[test]
    fn foreach_outputs_merge_slot_by_slot() {
        let mut s = obj(json!({"context": {"f": {"status": "running", "output": [1, null, null]}}}));
        merge_step_result(&mut s, "r", "f", json!({"status": "running", "output": [null, 2, null]}), Map::new()).unwrap();
        merge_step_result(&mut s, "r", "f", json!({"status": "success", "output": [null, null, 3, 4]}), Map::new()).unwrap();
        assert_eq!(s["context"]["f"], json!({"status": "success", "output": [1, 2, 3, 4]}));
    }

    #[test]
    fn pending_markers_reset_only_resettable_slots_and_keep_step_fields() {
        let suspended = json!({"status": "suspended", "suspendPayload": {}});
        let mut s = obj(json!({"context": {"f": {"status": "suspended", "output": [1, suspended, null]}}}));
        let marker = json!({"__mastra_pending__": true});
        merge_step_result(&mut s, "r", "f", json!({"status": "other", "output": [marker, marker, 9, marker]}), Map::new()).unwrap();
        // slot 0 holds a finished value: kept; slot 1 suspended: reset; slot 2: values are
        // ignored in a pending write; slot 3 is new: null. Step fields are not overwritten.
        assert_eq!(s["context"]["f"], json!({"status": "suspended", "output": [1, null, null, null]}));
    }

    #[test]
    fn a_marker_with_extra_keys_is_a_value() {
        assert!(!is_pending_marker(&json!({"__mastra_pending__": true, "x": 1})));
        assert!(is_pending_marker(&json!({"__mastra_pending__": true})));
        assert!(!is_suspended_result(&json!({"status": "suspended"})));
    }

    #[test]
    fn missing_context_is_an_error() {
        let mut s = obj(json!({"status": "x"}));
        assert!(merge_step_result(&mut s, "r", "a", json!(1), Map::new()).is_err());
    }

    #[test]
    fn clean_step_result_strips_engine_internals() {
        let v = json!({"status": "success", "__state": {}, "metadata": {"nestedRunId": "n"}, "output": [{"__state": 1, "v": 2}, 3]});
        assert_eq!(clean_step_result(&v), json!({"status": "success", "output": [{"v": 2}, 3]}));
        let v = json!({"metadata": {"nestedRunId": "n", "keep": true}});
        assert_eq!(clean_step_result(&v), json!({"metadata": {"keep": true}}));
    }
}
