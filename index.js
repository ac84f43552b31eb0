// mastra-native-store: a Mastra storage provider whose data lives in a Rust core (SQLite
// embedded by default). `NativeStore` is what an app passes as `storage`; it wires the
// domain classes to one native database handle and offers the flat API of the
// documented MastraCompositeStore interface.
import { MastraCompositeStore } from '@mastra/core/storage';
import { native } from './lib/native.js';
import { obj, storageError, str, userError } from './lib/marshal.js';
import { NativeAgentsStorage } from './lib/agents.js';
import { NativeMemoryStorage } from './lib/memory.js';
import { NativeWorkflowsStorage } from './lib/workflows.js';

export { NativeAgentsStorage, NativeMemoryStorage, NativeWorkflowsStorage };

export const DEFAULT_URL = 'file:./mastra.db';

export class NativeStore extends MastraCompositeStore {
  /** @type {string} */
  url;
  #options;
  #ready = null;
  #closed = false;

  constructor(config = {}) {
    if (!config || typeof config.id !== 'string' || config.id.trim() === '') {
      throw new Error('NativeStore: id must be provided and cannot be empty.');
    }
    super({ id: config.id, name: 'NativeStore', disableInit: config.disableInit });
    this.url = config.url ?? DEFAULT_URL;
    let backend;
    try {
      backend = native.backendOfUrl(this.url);
    } catch (error) {
      throw storageError('CONFIG', error, { url: this.url });
    }
    /** 'sqlite-file' | 'sqlite-memory' | 'postgres' */
    this.backend = backend;
    this.#options = {
      maxConnections: config.max ?? config.maxConnections,
      busyTimeoutMs: config.busyTimeoutMs,
      schemaName: config.schemaName,
      idleTimeoutMs: config.idleTimeoutMillis,
      connectionTimeoutMs: config.connectionTimeoutMillis,
      durability: config.durability,
    };
    if (config.durability !== undefined && config.durability !== 'normal' && config.durability !== 'full') {
      throw storageError('CONFIG', new Error(`[INVALID_ARGUMENT] durability must be 'normal' or 'full', got ${JSON.stringify(config.durability)}`));
    }
    const connect = () => this.#connect();
    this.stores = {
      memory: new NativeMemoryStorage({ connect }),
      workflows: new NativeWorkflowsStorage({ connect }),
      agents: new NativeAgentsStorage({ connect }),
    };
    // Open (and migrate) right away so the first call does not pay for it; a failure
    // here is reported by that first call, which retries.
    this.#connect().catch(() => {});
  }

  /** The open database, migrated unless disableInit. One in-flight attempt at a time. */
  #connect() {
    // Errors stay raw here; each caller wraps them with its own operation's id.
    if (this.#closed) return Promise.reject(new Error('[CLOSED] the store is closed'));
    this.#ready ??= (async () => {
      const db = await native.NativeDb.open(this.url, this.#options);
      if (!this.#skipInit()) {
        try {
          await db.init();
        } catch (error) {
          await db.close();
          throw error;
        }
      }
      return db;
    })().catch(error => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  #skipInit() {
    return this.disableInit || process.env.MASTRA_DISABLE_STORAGE_INIT === 'true';
  }

  /**
   * Create or migrate the schema (a warm call is one cheap query). A no-op with
   * `disableInit: true`, as in @mastra/pg: such a store never runs DDL.
   */
  async init() {
    if (this.#skipInit()) return;
    try {
      await this.#connect();
    } catch (error) {
      throw storageError('INIT', error, { url: this.url });
    }
  }

  /** Release every connection. Idempotent; later calls fail with code CLOSED. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    const ready = this.#ready;
    this.#ready = null;
    if (!ready) return;
    let db;
    try {
      db = await ready;
    } catch {
      return;
    }
    await db.close();
  }

  // ---- the flat API of the documented MastraCompositeStore interface ------------------

  #memory() {
    return this.stores.memory;
  }

  getThreadById(threadId) {
    return this.#memory().getThreadById({ threadId });
  }

  listThreads(args) {
    return this.#memory().listThreads(args);
  }

  saveThread(thread) {
    return this.#memory().saveThread({ thread });
  }

  deleteThread(threadId) {
    return this.#memory().deleteThread({ threadId });
  }

  cloneThread(input) {
    return this.#memory().cloneThread(input);
  }

  listMessages(args) {
    return this.#memory().listMessages(args);
  }

  listMessagesByResourceId(args) {
    return this.#memory().listMessagesByResourceId(args);
  }

  async saveMessages(messages) {
    return (await this.#memory().saveMessages({ messages })).messages;
  }

  async deleteMessage(args) {
    const id = str('DELETE_MESSAGES', 'id', obj('DELETE_MESSAGES', 'arguments', args).id);
    return this.#memory().deleteMessages([id], args.threadId);
  }

  /** Save (upsert) a workflow run given in the storage row's shape (`workflow_name`, `run_id`). */
  async saveWorkflowRun(run) {
    const op = 'PERSIST_WORKFLOW_SNAPSHOT';
    obj(op, 'run', run);
    let snapshot = run.snapshot;
    if (typeof snapshot === 'string') {
      try {
        snapshot = JSON.parse(snapshot);
      } catch (error) {
        throw userError(op, `snapshot is not JSON text: ${error?.message ?? error}`, { field: 'snapshot' });
      }
    }
    return this.stores.workflows.persistWorkflowSnapshot({
      workflowName: run.workflow_name,
      runId: run.run_id,
      resourceId: run.resourceId,
      snapshot,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
    });
  }

  /**
   * A workflow run's state (newest run with this id). `fields` selects the optional parts
   * ('result', 'error', 'payload', 'steps', 'activeStepsPath', 'serializedStepGraph', …);
   * the others are neither built nor sent across the native boundary.
   */
  getWorkflowRunById(runId, fields) {
    return this.stores.workflows.getWorkflowState(runId, fields);
  }

  listWorkflowRuns(input) {
    return this.stores.workflows.listWorkflowRuns(input);
  }

  /** Delete a workflow run (every workflow's run with this id). */
  deleteWorkflowRun(runId) {
    return this.stores.workflows.deleteWorkflowRunById({ runId });
  }

  /** Create a stored agent (draft, version 1 holding its config); returns it resolved. */
  async createAgent(input) {
    const created = await this.stores.agents.create({ agent: input });
    return this.stores.agents.getByIdResolved(created.id);
  }

  /** A stored agent merged with its active version (falling back to the latest), or null. */
  getAgentByIdResolved(id) {
    return this.stores.agents.getByIdResolved(id);
  }

  /** Update a stored agent's record (metadata merged); returns it resolved. */
  async updateAgent(input) {
    const updated = await this.stores.agents.update(input);
    return this.stores.agents.getByIdResolved(updated.id);
  }

  /** Delete a stored agent and all its versions (idempotent). */
  deleteAgent(id) {
    return this.stores.agents.delete(id);
  }

  /** List stored agents, each resolved with its active (or, for status 'draft', latest) version. */
  listAgentsResolved(input) {
    return this.stores.agents.listResolved(input);
  }
}
