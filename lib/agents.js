// Mastra's stored-agents domain over the native core: marshalling only. Resolved reads
// (a thin record merged with its active or latest version) are Mastra's own
// VersionedStorageDomain logic, running on the primitives below.
import { AgentsStorage } from '@mastra/core/storage';
import { NativeHandle } from './handle.js';
import { arr, argsJson, obj, optObj, str, toJson, userError } from './marshal.js';

function reviveAgent(a) {
  if (a) {
    a.createdAt = new Date(a.createdAt);
    a.updatedAt = new Date(a.updatedAt);
  }
  return a;
}

function reviveVersion(v) {
  if (v) v.createdAt = new Date(v.createdAt);
  return v;
}

const parseOr = (json, revive) => (json == null ? null : revive(JSON.parse(json)));

export class NativeAgentsStorage extends AgentsStorage {
  #native;

  /** @param {{ connect: () => Promise<import('../native.d.ts').NativeDb> }} config */
  constructor({ connect }) {
    super();
    this.#native = new NativeHandle(connect, db => db.agents(), () => this.logger);
  }

  #call(op, details, fn) {
    return this.#native.call(op, details, fn);
  }

  async init() {
    await this.#native.init();
  }

  async dangerouslyClearAll() {
    await this.#call('CLEAR_ALL', {}, a => a.dangerouslyClearAll());
  }

  async getById(id) {
    str('GET_AGENT_BY_ID', 'id', id);
    return parseOr(await this.#call('GET_AGENT_BY_ID', { agentId: id }, a => a.getById(id)), reviveAgent);
  }

  async create(args) {
    const agent = obj('CREATE_AGENT', 'agent', obj('CREATE_AGENT', 'arguments', args).agent);
    const json = toJson('CREATE_AGENT', agent);
    const keys = agent && typeof agent === 'object' ? Object.keys(agent) : null;
    return reviveAgent(JSON.parse(await this.#call('CREATE_AGENT', { agentId: agent?.id }, a => a.create(json, keys))));
  }

  async update(input) {
    obj('UPDATE_AGENT', 'arguments', input);
    const json = toJson('UPDATE_AGENT', input);
    return reviveAgent(JSON.parse(await this.#call('UPDATE_AGENT', { agentId: input?.id }, a => a.update(json))));
  }

  async delete(id) {
    str('DELETE_AGENT', 'id', id);
    await this.#call('DELETE_AGENT', { agentId: id }, a => a.delete(id));
  }

  async list(args) {
    args = optObj('LIST_AGENTS', 'arguments', args);
    const json = argsJson('LIST_AGENTS', args);
    const out = JSON.parse(await this.#call('LIST_AGENTS', {}, a => a.list(json)));
    out.agents.forEach(reviveAgent);
    return out;
  }

  async createVersion(input) {
    obj('CREATE_VERSION', 'arguments', input);
    const json = toJson('CREATE_VERSION', input);
    const createdAt = await this.#call('CREATE_VERSION', { versionId: input?.id, agentId: input?.agentId }, a =>
      a.createVersion(json),
    );
    return { ...input, createdAt: new Date(createdAt) };
  }

  async getVersion(id) {
    str('GET_VERSION', 'id', id);
    return parseOr(await this.#call('GET_VERSION', { versionId: id }, a => a.getVersion(id)), reviveVersion);
  }

  async getVersions(ids) {
    if (!arr('GET_VERSIONS', 'ids', ids).length) return [];
    const json = toJson('GET_VERSIONS', ids);
    return JSON.parse(await this.#call('GET_VERSIONS', { count: ids.length }, a => a.getVersions(json))).map(reviveVersion);
  }

  async getVersionByNumber(agentId, versionNumber) {
    str('GET_VERSION_BY_NUMBER', 'agentId', agentId);
    if (typeof versionNumber !== 'number') {
      throw userError('GET_VERSION_BY_NUMBER', `versionNumber must be a number, got ${versionNumber === null ? 'null' : typeof versionNumber}`);
    }
    // A number that is no version's (1.5, NaN) finds none.
    if (!Number.isSafeInteger(versionNumber)) return null;
    return parseOr(
      await this.#call('GET_VERSION_BY_NUMBER', { agentId, versionNumber }, a => a.getVersionByNumber(agentId, versionNumber)),
      reviveVersion,
    );
  }

  async getLatestVersion(agentId) {
    str('GET_LATEST_VERSION', 'agentId', agentId);
    return parseOr(await this.#call('GET_LATEST_VERSION', { agentId }, a => a.getLatestVersion(agentId)), reviveVersion);
  }

  async listVersions(input) {
    obj('LIST_VERSIONS', 'arguments', input);
    const json = argsJson('LIST_VERSIONS', input);
    const out = JSON.parse(await this.#call('LIST_VERSIONS', { agentId: input?.agentId }, a => a.listVersions(json)));
    out.versions.forEach(reviveVersion);
    return out;
  }

  async deleteVersion(id) {
    str('DELETE_VERSION', 'id', id);
    await this.#call('DELETE_VERSION', { versionId: id }, a => a.deleteVersion(id));
  }

  async deleteVersionsByParentId(entityId) {
    str('DELETE_VERSIONS_BY_AGENT_ID', 'entityId', entityId);
    await this.#call('DELETE_VERSIONS_BY_AGENT_ID', { agentId: entityId }, a => a.deleteVersionsByParentId(entityId));
  }

  async countVersions(agentId) {
    str('COUNT_VERSIONS', 'agentId', agentId);
    return this.#call('COUNT_VERSIONS', { agentId }, a => a.countVersions(agentId));
  }
}
