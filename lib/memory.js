// Mastra's memory domain over the native core. Each method marshals its arguments to JSON
// text, makes one native call, and revives Dates in the result. Filtering, merging,
// pagination and transactions all happen in Rust.
import { MemoryStorage } from '@mastra/core/storage';
import { NativeHandle } from './handle.js';
import { arr, argsJson, obj, optObj, optStr, reviveMessage, reviveResource, reviveThread, str, toJson, userError } from './marshal.js';

const dateIso = d => (d instanceof Date ? d.toISOString() : d);

/**
 * Mastra's MessageList, imported on first need. It lives in @mastra/core/agent, whose
 * import took ~0.55 s here (on top of ~0.4 s for @mastra/core/storage), and a store needs
 * it only for messages that are not canonical v2 (below). A process that only stores and
 * reads (a worker, a script, a function answering one request) never pays for it; in an
 * app that runs an Agent, the module is loaded already and this costs nothing.
 */
let messageList; // the Promise of the class, once asked for
const loadMessageList = () => (messageList ??= import('@mastra/core/agent').then(m => m.MessageList));

/**
 * @mastra/libsql passes every read through Mastra's MessageList, which drops system
 * messages and repairs non-v2 content. It leaves canonical v2 messages untouched, so the
 * core flags (`normalize`) only a response holding a message it would change; such a
 * response goes through the same MessageList here, then back into (createdAt, id) order.
 */
async function normalizeMessages(messages, direction) {
  const sign = direction === 'DESC' ? -1 : 1;
  const MessageList = await loadMessageList();
  return new MessageList()
    .add(messages, 'memory')
    .get.all.db()
    .sort((a, b) => sign * (a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
}

/**
 * What saveMessages returns: Mastra's contract is the messages in MastraDBMessage form,
 * oldest first, one per id (MessageList's output). For the usual batch — canonical v2
 * user/assistant messages with distinct ids and Date timestamps — that is the batch itself,
 * stably sorted by createdAt (checked equal to MessageList's output, ties included);
 * anything else goes through MessageList as @mastra/libsql does.
 */
function savedMessages(messages) {
  const ids = new Set();
  let sorted = true;
  let last = -Infinity;
  for (const m of messages) {
    const c = m?.content;
    const t = m?.createdAt instanceof Date ? m.createdAt.getTime() : NaN;
    if (
      Number.isNaN(t) ||
      ids.has(m.id) ||
      (m.role !== 'user' && m.role !== 'assistant') ||
      c?.format !== 2 ||
      !Array.isArray(c.parts) ||
      c.parts.includes(null) ||
      c.toolInvocations !== undefined
    ) {
      return loadMessageList().then(MessageList => new MessageList().add(messages, 'memory').get.all.db());
    }
    ids.add(m.id);
    if (t < last) sorted = false;
    last = t;
  }
  const out = messages.slice();
  return sorted ? out : out.sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Revive a list response and, when flagged, normalise it as @mastra/libsql would: the
 * response, or (when normalising) a Promise of it.
 */
function finishList(out, args, threadIds) {
  out.messages.forEach(reviveMessage);
  if (!out.normalize) {
    delete out.normalize;
    return out;
  }
  return normalizeList(out, args, threadIds);
}

async function normalizeList(out, args, threadIds) {
  out.messages = await normalizeMessages(out.messages, args?.orderBy?.direction);
  // libsql counts the messages it returned after MessageList when deciding hasMore for a
  // thread listing without a metadata filter; dropped messages count as not returned.
  const noMetadataFilter = !args?.filter?.metadata || Object.keys(args.filter.metadata).length === 0;
  if (threadIds && noMetadataFilter && typeof out.perPage === 'number' && out.perPage > 0 && args?.includeTotal !== false) {
    const returned = out.messages.filter(m => threadIds.has(m.threadId)).length;
    out.hasMore = returned < out.total && out.page * out.perPage + out.perPage < out.total;
  }
  delete out.normalize;
  return out;
}

export class NativeMemoryStorage extends MemoryStorage {
  supportsPartialThreadUpdate = true;
  supportsObservationalMemory = false;

  #native;

  /**
   * @param {{ connect: () => Promise<import('../native.d.ts').NativeDb> }} config
   *   `connect` resolves to the store's open (and, unless disableInit, migrated) database.
   */
  constructor({ connect }) {
    super();
    this.#native = new NativeHandle(connect, db => db.memory(), () => this.logger);
  }

  #call(op, details, fn) {
    return this.#native.call(op, details, fn);
  }

  async init() {
    await this.#native.init();
  }

  async dangerouslyClearAll() {
    await this.#call('CLEAR_ALL', {}, m => m.dangerouslyClearAll());
  }

  // ---- threads -------------------------------------------------------------------------

  async getThreadById(args) {
    const op = 'GET_THREAD_BY_ID';
    const threadId = str(op, 'threadId', obj(op, 'arguments', args).threadId);
    const resourceId = optStr(op, 'resourceId', args.resourceId);
    const json = await this.#call('GET_THREAD_BY_ID', { threadId }, m =>
      m.getThreadById(threadId, resourceId ?? null),
    );
    return json ? reviveThread(JSON.parse(json)) : null;
  }

  async saveThread(args) {
    const thread = obj('SAVE_THREAD', 'thread', obj('SAVE_THREAD', 'arguments', args).thread);
    const json = toJson('SAVE_THREAD', thread);
    await this.#call('SAVE_THREAD', { threadId: thread?.id }, m => m.saveThread(json));
    return thread;
  }

  async updateThread(args) {
    const op = 'UPDATE_THREAD';
    const { id, title, metadata } = obj(op, 'arguments', args);
    str(op, 'id', id);
    optStr(op, 'title', title);
    if (metadata != null) obj(op, 'metadata', metadata);
    const meta = metadata === undefined ? null : toJson(op, metadata);
    const json = await this.#call('UPDATE_THREAD', { threadId: id }, m => m.updateThread(id, title ?? null, meta));
    return reviveThread(JSON.parse(json));
  }

  /** Mastra's own partial update, behind the same argument checks as updateThread. */
  async patchThread(args) {
    const { id, title, metadata } = obj('UPDATE_THREAD', 'arguments', args);
    str('UPDATE_THREAD', 'id', id);
    optStr('UPDATE_THREAD', 'title', title);
    if (metadata != null) obj('UPDATE_THREAD', 'metadata', metadata);
    return super.patchThread(args);
  }

  async updateThreadMetadata(args) {
    const { id, resourceId, update } = obj('UPDATE_THREAD', 'arguments', args);
    str('UPDATE_THREAD', 'id', id);
    optStr('UPDATE_THREAD', 'resourceId', resourceId);
    if (typeof update !== 'function') throw userError('UPDATE_THREAD', 'update must be a function', { field: 'update' });
    return super.updateThreadMetadata(args);
  }

  async deleteThread(args) {
    const threadId = str('DELETE_THREAD', 'threadId', obj('DELETE_THREAD', 'arguments', args).threadId);
    await this.#call('DELETE_THREAD', { threadId }, m => m.deleteThread(threadId));
  }

  async listThreads(args) {
    args = optObj('LIST_THREADS', 'arguments', args);
    const json = argsJson('LIST_THREADS', args);
    const out = JSON.parse(
      await this.#call('LIST_THREADS', { resourceId: args?.filter?.resourceId ?? '' }, m => m.listThreads(json)),
    );
    out.threads.forEach(reviveThread);
    return out;
  }

  async copyThread(args) {
    obj('CLONE_THREAD', 'arguments', args);
    if (args.options != null) obj('CLONE_THREAD', 'options', args.options);
    if (args.options?.messageFilter != null) obj('CLONE_THREAD', 'options.messageFilter', args.options.messageFilter);
    const json = argsJson('CLONE_THREAD', {
      ...args,
      options: args?.options && {
        ...args.options,
        messageFilter: args.options.messageFilter && {
          ...args.options.messageFilter,
          startDate: dateIso(args.options.messageFilter.startDate),
          endDate: dateIso(args.options.messageFilter.endDate),
        },
      },
    });
    const out = JSON.parse(
      await this.#call('CLONE_THREAD', { sourceThreadId: args?.sourceThreadId }, m => m.copyThread(json)),
    );
    reviveThread(out.thread);
    const clone = out.thread.metadata?.clone;
    if (clone?.clonedAt) clone.clonedAt = new Date(clone.clonedAt);
    return out;
  }

  async updateThreadResourceId(args) {
    const op = 'UPDATE_THREAD_RESOURCE_ID';
    const threadId = str(op, 'threadId', obj(op, 'arguments', args).threadId);
    const resourceId = str(op, 'resourceId', args.resourceId);
    const json = await this.#call('UPDATE_THREAD_RESOURCE_ID', { threadId, resourceId }, m =>
      m.updateThreadResourceId(threadId, resourceId),
    );
    return reviveThread(JSON.parse(json));
  }

  // ---- messages ------------------------------------------------------------------------

  async saveMessages(args) {
    const messages = arr('SAVE_MESSAGES', 'messages', obj('SAVE_MESSAGES', 'arguments', args).messages);
    if (!messages.length) return { messages: [] };
    // JSON would turn an invalid Date into null (read as "now"): refuse it instead.
    for (const [i, m] of messages.entries()) {
      if (m?.createdAt instanceof Date && Number.isNaN(m.createdAt.getTime())) {
        throw userError('SAVE_MESSAGES', `message at index ${i}: createdAt is an invalid Date`);
      }
    }
    const json = toJson('SAVE_MESSAGES', messages);
    await this.#call('SAVE_MESSAGES', { count: messages.length }, m => m.saveMessages(json));
    // The batch itself (sorted) for canonical messages; a Promise when MessageList must run.
    const saved = savedMessages(messages);
    return { messages: Array.isArray(saved) ? saved : await saved };
  }

  async listMessages(args) {
    obj('LIST_MESSAGES', 'arguments', args);
    const json = argsJson('LIST_MESSAGES', args);
    const out = JSON.parse(
      await this.#call('LIST_MESSAGES', { threadId: String(args?.threadId) }, m => m.listMessages(json)),
    );
    return finishList(out, args, new Set([args.threadId].flat()));
  }

  async listMessagesByResourceId(args) {
    obj('LIST_MESSAGES_BY_RESOURCE_ID', 'arguments', args);
    const json = argsJson('LIST_MESSAGES_BY_RESOURCE_ID', args);
    const out = JSON.parse(
      await this.#call('LIST_MESSAGES_BY_RESOURCE_ID', { resourceId: String(args?.resourceId) }, m =>
        m.listMessagesByResourceId(json),
      ),
    );
    return finishList(out, args, null);
  }

  async listMessagesById(args) {
    const op = 'LIST_MESSAGES_BY_ID';
    const messageIds = arr(op, 'messageIds', obj(op, 'arguments', args).messageIds);
    if (!messageIds.length) return { messages: [] };
    const json = toJson('LIST_MESSAGES_BY_ID', messageIds);
    const out = JSON.parse(await this.#call('LIST_MESSAGES_BY_ID', {}, m => m.listMessagesById(json)));
    return { messages: (await finishList(out, undefined, null)).messages };
  }

  async updateMessages(args) {
    const messages = arr('UPDATE_MESSAGES', 'messages', obj('UPDATE_MESSAGES', 'arguments', args).messages);
    if (!messages.length) return [];
    const json = toJson('UPDATE_MESSAGES', messages);
    const out = JSON.parse(await this.#call('UPDATE_MESSAGES', { count: messages.length }, m => m.updateMessages(json)));
    return out.map(reviveMessage);
  }

  async deleteMessages(messageIds, threadId) {
    arr('DELETE_MESSAGES', 'messageIds', messageIds);
    optStr('DELETE_MESSAGES', 'threadId', threadId);
    if (!messageIds.length) return;
    const json = toJson('DELETE_MESSAGES', messageIds);
    await this.#call('DELETE_MESSAGES', { count: messageIds.length }, m => m.deleteMessages(json, threadId ?? null));
  }

  // ---- resources -----------------------------------------------------------------------

  async getResourceById(args) {
    const op = 'GET_RESOURCE_BY_ID';
    const resourceId = str(op, 'resourceId', obj(op, 'arguments', args).resourceId);
    const json = await this.#call('GET_RESOURCE_BY_ID', { resourceId }, m => m.getResourceById(resourceId));
    return json ? reviveResource(JSON.parse(json)) : null;
  }

  async saveResource(args) {
    const resource = obj('SAVE_RESOURCE', 'resource', obj('SAVE_RESOURCE', 'arguments', args).resource);
    const json = toJson('SAVE_RESOURCE', resource);
    await this.#call('SAVE_RESOURCE', { resourceId: resource?.id }, m => m.saveResource(json));
    return resource;
  }

  async updateResource(args) {
    obj('UPDATE_RESOURCE', 'arguments', args);
    const json = toJson('UPDATE_RESOURCE', args);
    const out = await this.#call('UPDATE_RESOURCE', { resourceId: args?.resourceId }, m => m.updateResource(json));
    return reviveResource(JSON.parse(out));
  }
}
