// Public types of mastra-native-store (hand-written; the generated native.d.ts is private).
import type { MastraDBMessage, StorageThreadType } from '@mastra/core/memory';
import type { WorkflowRunState } from '@mastra/core/workflows';
import type {
  AgentsStorage,
  MastraCompositeStore,
  StorageCreateAgentInput,
  StorageListAgentsInput,
  StorageListAgentsResolvedOutput,
  StorageResolvedAgentType,
  StorageUpdateAgentInput,
  MemoryStorage,
  StorageCloneThreadInput,
  StorageCloneThreadOutput,
  StorageListMessagesByResourceIdInput,
  StorageListMessagesInput,
  StorageListMessagesOutput,
  StorageListThreadsInput,
  StorageListThreadsOutput,
  StorageListWorkflowRunsInput,
  WorkflowRuns,
  WorkflowsStorage,
} from '@mastra/core/storage';

/** The URL used when none is given: a SQLite file in the working directory. */
export declare const DEFAULT_URL: 'file:./mastra.db';

export interface NativeStoreConfig {
  /** Identifies this store instance (required, non-empty). */
  id: string;
  /**
   * Where the data lives. `file:PATH` / `sqlite://PATH` (a SQLite file, created if
   * missing), `:memory:` / `file::memory:` (one private in-memory database for the whole
   * store), `postgres://…` / `postgresql://…` (a PostgreSQL server; `sslmode` and the other
   * usual URL options are honoured). Default `file:./mastra.db`.
   */
  url?: string;
  /** Never run DDL: `init()` becomes a no-op and the tables must already exist. */
  disableInit?: boolean;
  /** PostgreSQL: the schema holding the tables (default `public`; created if missing). */
  schemaName?: string;
  /** Most pooled connections (PostgreSQL default 10, SQLite file 4, `:memory:` always 1). */
  max?: number;
  /** PostgreSQL: close a connection idle this long, in ms (default 10000). */
  idleTimeoutMillis?: number;
  /** How long to wait for a connection before failing, in ms (default 10000 on PostgreSQL, 30000 on SQLite). */
  connectionTimeoutMillis?: number;
  /** Alias of `max`. */
  maxConnections?: number;
  /** SQLite: how long a write waits for the database lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * SQLite file: `'normal'` (default; `synchronous=NORMAL`: a process crash loses nothing, a
   * power loss may lose the last commits) or `'full'` (`synchronous=FULL`: every commit is
   * synced to disk before it returns, and survives a power loss). PostgreSQL's durability
   * is the server's own (`synchronous_commit`).
   */
  durability?: 'normal' | 'full';
}

/** Mastra's memory domain (threads, messages, working memory) over the native core. */
export declare class NativeMemoryStorage extends MemoryStorage {
  readonly supportsPartialThreadUpdate: true;
  readonly supportsObservationalMemory: false;
  /** Delete messages by id; with `threadId`, only those that belong to that thread. */
  deleteMessages(messageIds: string[], threadId?: string): Promise<void>;
}

/** The optional parts of a workflow run's state that `getWorkflowRunById` can select. */
export type WorkflowStateField =
  | 'result'
  | 'error'
  | 'payload'
  | 'steps'
  | 'activeStepsPath'
  | 'serializedStepGraph'
  | 'suspendedPaths'
  | 'resumeLabels'
  | 'waitingPaths'
  /** Only when asked for by name. */
  | 'requestContext'
  /** Only when asked for by name. */
  | 'tracingContext';

/** A workflow run's state, as Mastra's `Workflow.getWorkflowRunById` describes it. */
export interface NativeWorkflowState {
  runId: string;
  workflowName: string;
  resourceId?: string | null;
  createdAt: Date;
  updatedAt: Date;
  status: WorkflowRunState['status'];
  initialState?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
  payload?: unknown;
  steps?: Record<string, unknown>;
  activeStepsPath?: WorkflowRunState['activeStepsPath'];
  serializedStepGraph?: WorkflowRunState['serializedStepGraph'];
  suspendedPaths?: WorkflowRunState['suspendedPaths'];
  resumeLabels?: WorkflowRunState['resumeLabels'];
  waitingPaths?: WorkflowRunState['waitingPaths'];
  requestContext?: Record<string, unknown>;
  tracingContext?: unknown;
}

/** A workflow run in the storage row's shape, as the documented `saveWorkflowRun` takes it. */
export interface StorageWorkflowRun {
  workflow_name: string;
  run_id: string;
  resourceId?: string;
  snapshot: WorkflowRunState | string;
  createdAt?: Date;
  updatedAt?: Date;
}

/** Mastra's workflows domain over the native core; updates are atomic across processes. */
export declare class NativeWorkflowsStorage extends WorkflowsStorage {
  supportsConcurrentUpdates(): true;
  /** A run's state with only the requested optional parts (all when `fields` is empty). */
  getWorkflowState(runId: string, fields?: WorkflowStateField[]): Promise<NativeWorkflowState | null>;
}

/** Mastra's stored-agents domain (thin records + versions) over the native core. */
export declare class NativeAgentsStorage extends AgentsStorage {}

/**
 * A Mastra storage provider backed by a Rust core: pass it as `storage` to `new Mastra()`
 * or `new Memory()`. Same tables and results as @mastra/libsql.
 */
export declare class NativeStore extends MastraCompositeStore {
  constructor(config: NativeStoreConfig);
  readonly url: string;
  /** Which engine the URL selected. */
  readonly backend: 'sqlite-file' | 'sqlite-memory' | 'postgres';
  stores: MastraCompositeStore['stores'] & {
    memory: NativeMemoryStorage;
    workflows: NativeWorkflowsStorage;
    agents: NativeAgentsStorage;
  };
  /** Create or migrate the schema; a warm call is one query; a no-op with disableInit. */
  init(): Promise<void>;
  /** Release every connection. Idempotent; later calls reject with code CLOSED. */
  close(): Promise<void>;

  // The flat API of the documented MastraCompositeStore interface (delegates to stores.memory).
  getThreadById(threadId: string): Promise<StorageThreadType | null>;
  listThreads(args: StorageListThreadsInput): Promise<StorageListThreadsOutput>;
  saveThread(thread: StorageThreadType): Promise<StorageThreadType>;
  deleteThread(threadId: string): Promise<void>;
  cloneThread(input: StorageCloneThreadInput): Promise<StorageCloneThreadOutput>;
  listMessages(args: StorageListMessagesInput): Promise<StorageListMessagesOutput>;
  listMessagesByResourceId(args: StorageListMessagesByResourceIdInput): Promise<StorageListMessagesOutput>;
  /** Saves (upserts) the messages in one transaction; returns them oldest first. */
  saveMessages(messages: MastraDBMessage[]): Promise<MastraDBMessage[]>;
  deleteMessage(input: { id: string; threadId?: string }): Promise<void>;
  /** Upsert a run (keeps the stored createdAt, and the stored resourceId when none is given). */
  saveWorkflowRun(run: StorageWorkflowRun): Promise<void>;
  /** The newest run with this id; `fields` limits which optional parts are built and returned. */
  getWorkflowRunById(runId: string, fields?: WorkflowStateField[]): Promise<NativeWorkflowState | null>;
  listWorkflowRuns(input?: StorageListWorkflowRunsInput): Promise<WorkflowRuns>;
  /** Delete every stored run with this id. */
  deleteWorkflowRun(runId: string): Promise<void>;
  /** Create a stored agent (a draft whose version 1 holds the config); returns it resolved. */
  createAgent(input: StorageCreateAgentInput): Promise<StorageResolvedAgentType>;
  /** The agent merged with its active version (or the latest when none is active), or null. */
  getAgentByIdResolved(id: string): Promise<StorageResolvedAgentType | null>;
  /** Update the agent's record (status, activeVersionId, authorId, visibility; metadata merged). */
  updateAgent(input: StorageUpdateAgentInput): Promise<StorageResolvedAgentType>;
  /** Delete an agent and all its versions (idempotent). */
  deleteAgent(id: string): Promise<void>;
  listAgentsResolved(input?: StorageListAgentsInput): Promise<StorageListAgentsResolvedOutput>;
}
