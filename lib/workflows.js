// Mastra's workflows domain over the native core: marshalling only. The merges and the
// atomic read-modify-write transactions are in Rust (src/domains/workflows.rs).
import { WorkflowsStorage } from '@mastra/core/storage';
import { NativeHandle } from './handle.js';
import { argsJson, obj, optObj, optStr, str, strs, toJson, userError } from './marshal.js';

/** Revive a WorkflowRun's (or WorkflowState's) timestamps. */
export function reviveRun(r) {
  if (r) {
    r.createdAt = new Date(r.createdAt);
    r.updatedAt = new Date(r.updatedAt);
  }
  return r;
}

/**
 * Give a run its snapshot from JSON text, parsed on first read: a list page carries
 * hundreds of KB of snapshots that callers listing runs rarely all open. A snapshot that
 * is not JSON stays the raw string, as @mastra/libsql returns it.
 */
function lazySnapshot(run, text) {
  let value;
  let parsed = false;
  Object.defineProperty(run, 'snapshot', {
    enumerable: true,
    configurable: true,
    get() {
      if (!parsed) {
        try {
          value = text == null ? null : JSON.parse(text);
        } catch {
          value = text;
        }
        parsed = true;
      }
      return value;
    },
    set(v) {
      value = v;
      parsed = true;
    },
  });
  return run;
}

/** Reject a Date that JSON would silently turn into null. */
function checkDate(op, name, d) {
  if (d instanceof Date && Number.isNaN(d.getTime())) throw userError(op, `${name} is an invalid Date`);
}

export class NativeWorkflowsStorage extends WorkflowsStorage {
  #native;

  /** @param {{ connect: () => Promise<import('../native.d.ts').NativeDb> }} config */
  constructor({ connect }) {
    super();
    this.#native = new NativeHandle(connect, db => db.workflows(), () => this.logger);
  }

  #call(op, details, fn) {
    return this.#native.call(op, details, fn);
  }

  async init() {
    await this.#native.init();
  }

  /** Updates are atomic read-modify-write transactions in the database, across processes. */
  supportsConcurrentUpdates() {
    return true;
  }

  async dangerouslyClearAll() {
    await this.#call('CLEAR_ALL', {}, w => w.dangerouslyClearAll());
  }

  async persistWorkflowSnapshot(args) {
    const op = 'PERSIST_WORKFLOW_SNAPSHOT';
    obj(op, 'arguments', args);
    checkDate(op, 'createdAt', args?.createdAt);
    checkDate(op, 'updatedAt', args?.updatedAt);
    const json = toJson(op, args);
    await this.#call(op, { workflowName: args?.workflowName, runId: args?.runId }, w => w.persistWorkflowSnapshot(json));
  }

  async loadWorkflowSnapshot(args) {
    const op = 'LOAD_WORKFLOW_SNAPSHOT';
    const workflowName = str(op, 'workflowName', obj(op, 'arguments', args).workflowName);
    const runId = str(op, 'runId', args.runId);
    const json = await this.#call('LOAD_WORKFLOW_SNAPSHOT', { workflowName, runId }, w =>
      w.loadWorkflowSnapshot(workflowName, runId),
    );
    return json == null ? null : JSON.parse(json);
  }

  async getWorkflowRunById(args) {
    const op = 'GET_WORKFLOW_RUN_BY_ID';
    const runId = str(op, 'runId', obj(op, 'arguments', args).runId);
    const workflowName = optStr(op, 'workflowName', args.workflowName);
    const json = await this.#call('GET_WORKFLOW_RUN_BY_ID', { runId }, w =>
      w.getWorkflowRunById(runId, workflowName ?? null),
    );
    return json == null ? null : reviveRun(JSON.parse(json));
  }

  async deleteWorkflowRunById(args) {
    const op = 'DELETE_WORKFLOW_RUN_BY_ID';
    const runId = str(op, 'runId', obj(op, 'arguments', args).runId);
    const workflowName = optStr(op, 'workflowName', args.workflowName);
    await this.#call('DELETE_WORKFLOW_RUN_BY_ID', { runId, workflowName }, w =>
      w.deleteWorkflowRunById(runId, workflowName ?? null),
    );
  }

  async listWorkflowRuns(args) {
    args = optObj('LIST_WORKFLOW_RUNS', 'arguments', args);
    const json = argsJson('LIST_WORKFLOW_RUNS', args);
    const page = await this.#call('LIST_WORKFLOW_RUNS', {}, w => w.listWorkflowRuns(json));
    const out = JSON.parse(page.runs);
    out.runs.forEach((run, i) => lazySnapshot(reviveRun(run), page.snapshots[i]));
    return out;
  }

  async updateWorkflowResults(args) {
    obj('UPDATE_WORKFLOW_RESULTS', 'arguments', args);
    const json = toJson('UPDATE_WORKFLOW_RESULTS', args);
    return JSON.parse(
      await this.#call('UPDATE_WORKFLOW_RESULTS', { runId: args?.runId, stepId: args?.stepId }, w =>
        w.updateWorkflowResults(json),
      ),
    );
  }

  async updateWorkflowState(args) {
    obj('UPDATE_WORKFLOW_STATE', 'arguments', args);
    const json = toJson('UPDATE_WORKFLOW_STATE', args);
    const out = await this.#call('UPDATE_WORKFLOW_STATE', { runId: args?.runId }, w => w.updateWorkflowState(json));
    return out == null ? undefined : JSON.parse(out);
  }

  /** The flat API's WorkflowState, with only the requested optional parts built and sent. */
  async getWorkflowState(runId, fields) {
    str('GET_WORKFLOW_RUN_BY_ID', 'runId', runId);
    if (fields != null) strs('GET_WORKFLOW_RUN_BY_ID', 'fields', fields);
    const json = await this.#call('GET_WORKFLOW_RUN_BY_ID', { runId }, w => w.getWorkflowState(runId, fields ?? null));
    return json == null ? null : reviveRun(JSON.parse(json));
  }
}
