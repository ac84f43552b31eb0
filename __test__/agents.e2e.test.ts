// End-to-end: a stored agent goes through its life cycle in the store (create → new version →
// publish → newer draft), is read back resolved, and becomes a working Mastra Agent registered
// in `new Mastra({ storage, agents })`. The stored model config names a provider this test maps
// to a deterministic MockLanguageModelV2 (no LLM, no network); the mock echoes its system
// prompt, so each reply shows which stored version's instructions the agent ran with.
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '@mastra/core/agent';
import { Mastra } from '@mastra/core/mastra';
import type { AgentsStorage, StorageResolvedAgentType } from '@mastra/core/storage';
import { MockLanguageModelV2, simulateReadableStream } from 'ai/test';
import { makeStore, nativeTargets, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { agentsOf } from './helpers/agent-fixtures';

// ---- the mock provider ------------------------------------------------------------------------

type PromptMessage = { role: string; content: string | Array<{ type: string; text?: string }> };
type CallOptions = { prompt: PromptMessage[] };

const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };

const textOf = (m: PromptMessage) =>
  typeof m.content === 'string' ? m.content : m.content.filter(p => p.type === 'text').map(p => p.text ?? '').join('');

/** Every system message of a call, joined. */
const systemOf = (call: CallOptions) => call.prompt.filter(m => m.role === 'system').map(textOf).join('\n');

/** A model that answers "<modelName> says: <first line of the system prompt>". */
function mockModel(modelName: string) {
  const reply = (opts: CallOptions) => `${modelName} says: ${systemOf(opts).split('\n')[0]}`;
  return new MockLanguageModelV2({
    modelId: modelName,
    doGenerate: async (opts: any) => ({ content: [{ type: 'text', text: reply(opts) }], finishReason: 'stop', usage, warnings: [] }) as any,
    doStream: async (opts: any) =>
      ({
        stream: simulateReadableStream({
          chunks: [
            { type: 'stream-start', warnings: [] },
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: reply(opts) },
            { type: 'text-end', id: 't' },
            { type: 'finish', finishReason: 'stop', usage },
          ],
        }),
      }) as any,
  });
}

/** The providers a stored model config may name; each maps to a mock. */
const PROVIDERS: Record<string, (name: string) => ReturnType<typeof mockModel>> = {
  'mock-provider': name => mockModel(name),
};

/** Stored instructions (a string or instruction blocks) as the system prompt text. */
function instructionsText(instructions: StorageResolvedAgentType['instructions']): string {
  if (typeof instructions === 'string') return instructions;
  return instructions
    .map(b => {
      if (b.type === 'prompt_block_ref') throw new Error(`unresolved prompt block ${b.id}`);
      return b.content;
    })
    .join('\n');
}

/** A Mastra Agent from a resolved stored agent; returns it with the mock model it runs on. */
function hydrate(resolved: StorageResolvedAgentType) {
  const modelConfig = resolved.model as { provider: string; name: string };
  const provider = PROVIDERS[modelConfig.provider];
  if (!provider) throw new Error(`unknown provider ${modelConfig.provider}`);
  const model = provider(modelConfig.name);
  const agent = new Agent({
    id: resolved.id,
    name: resolved.name,
    description: resolved.description ?? undefined,
    instructions: instructionsText(resolved.instructions),
    model,
  });
  return { agent, model };
}

// ---- fixtures ---------------------------------------------------------------------------------

const open = new Set<AnyStore>();
async function openStore(target: Target, url = tmpDbUrl(`agents-e2e-${target}`)) {
  const store = await makeStore(target, { url, id: `agents-e2e-${target}` });
  open.add(store);
  return store;
}
afterEach(async () => {
  for (const s of [...open]) {
    open.delete(s);
    await s.close().catch(() => {});
  }
});

const V1 = 'You are Support v1. Answer briefly.';
const V2 = 'You are Support v2. Answer politely and cite the docs.';
const V3_BLOCKS = [
  { type: 'text' as const, content: 'You are Support v3 (draft).' },
  { type: 'text' as const, content: 'Never ship on Fridays.' },
];

async function ask(mastra: Mastra, key: string, text: string) {
  const agent = mastra.getAgent(key);
  const res = await agent.generate(text);
  return res.text;
}

describe.each(targets)('stored agents end-to-end [%s]', target => {
  it('create → publish v2 → the Mastra agent built from the resolved config runs with v2 instructions', async () => {
    const url = tmpDbUrl(`agents-e2e-${target}`);
    const store = await openStore(target, url);
    const agents: AgentsStorage = await agentsOf(store);

    // 1. Create: a draft whose version 1 holds the config.
    const created = await agents.create({
      agent: {
        id: 'support',
        authorId: 'owner-1',
        name: 'Support',
        description: 'Answers customer questions',
        instructions: V1,
        model: { provider: 'mock-provider', name: 'mock-v1-model' },
        defaultOptions: { maxSteps: 2 },
        metadata: { team: 'cx' },
      },
    });
    expect(created.status).toBe('draft');
    const draft = (await agents.getByIdResolved('support'))!;
    expect(draft.instructions).toBe(V1);

    // The draft already works as an agent.
    {
      const { agent, model } = hydrate(draft);
      const mastra = new Mastra({ storage: store as any, agents: { support: agent }, logger: false });
      expect(await ask(mastra, 'support', 'hello?')).toBe(`mock-v1-model says: ${V1}`);
      expect(systemOf(model.doGenerateCalls[0] as unknown as CallOptions)).toContain(V1);
    }

    // 2. Publish a second version with different instructions and model.
    const v1 = (await agents.getLatestVersion('support'))!;
    await agents.createVersion({
      id: 'support-v2',
      agentId: 'support',
      versionNumber: 2,
      name: 'Support',
      description: 'Answers customer questions',
      instructions: V2,
      model: { provider: 'mock-provider', name: 'mock-v2-model' },
      defaultOptions: { maxSteps: 2 },
      changedFields: ['instructions', 'model'],
      changeMessage: 'More polite',
    });
    const published = await agents.update({ id: 'support', activeVersionId: 'support-v2', status: 'published' });
    expect(published.status).toBe('published');
    expect(published.activeVersionId).toBe('support-v2');

    // 3. A newer draft (v3) does not change what the published agent runs.
    await agents.createVersion({
      id: 'support-v3',
      agentId: 'support',
      versionNumber: 3,
      name: 'Support (next)',
      instructions: V3_BLOCKS,
      model: { provider: 'mock-provider', name: 'mock-v3-model' },
      changedFields: ['instructions', 'model', 'name'],
      changeMessage: 'Work in progress',
    });
    await store.close();
    open.delete(store);

    // 4. A fresh process: reopen the database, resolve, hydrate, register, generate.
    const store2 = await openStore(target, url);
    const agents2 = await agentsOf(store2);
    const resolved = (await agents2.getByIdResolved('support'))!;
    expect(resolved.resolvedVersionId).toBe('support-v2');
    expect(resolved.instructions).toBe(V2);
    expect(resolved.model).toEqual({ provider: 'mock-provider', name: 'mock-v2-model' });
    expect(resolved.status).toBe('published');
    expect(resolved.metadata).toEqual({ team: 'cx' });
    expect(await agents2.countVersions('support')).toBe(3);

    const { agent, model } = hydrate(resolved);
    const mastra = new Mastra({ storage: store2 as any, agents: { support: agent }, logger: false });
    expect(mastra.getAgent('support').name).toBe('Support');
    const reply = await ask(mastra, 'support', 'Where are the docs?');
    expect(reply).toBe(`mock-v2-model says: ${V2}`);
    expect(model.doGenerateCalls).toHaveLength(1);
    const call = model.doGenerateCalls[0] as unknown as CallOptions;
    const system = systemOf(call);
    expect(system).toContain(V2);
    expect(system).not.toContain(V1);
    expect(system).not.toContain('v3');
    expect(call.prompt.filter(m => m.role === 'user').map(textOf)).toEqual(['Where are the docs?']);

    // 5. The draft view resolves v3 (instruction blocks) and also hydrates and runs.
    const next = (await agents2.getByIdResolved('support', { status: 'draft' }))!;
    expect(next.resolvedVersionId).toBe('support-v3');
    expect(next.instructions).toEqual(V3_BLOCKS);
    const preview = hydrate(next);
    const previewMastra = new Mastra({ storage: store2 as any, agents: { preview: preview.agent }, logger: false });
    expect(await ask(previewMastra, 'preview', 'hi')).toBe('mock-v3-model says: You are Support v3 (draft).');
    expect(systemOf(preview.model.doGenerateCalls[0] as unknown as CallOptions)).toContain('Never ship on Fridays.');

    // 6. Pinning v1 by id still gives the original agent.
    const pinned = (await agents2.getByIdResolved('support', { versionId: v1.id }))!;
    expect(pinned.instructions).toBe(V1);
    const old = hydrate(pinned);
    const oldMastra = new Mastra({ storage: store2 as any, agents: { old: old.agent }, logger: false });
    expect(await ask(oldMastra, 'old', 'hi')).toBe(`mock-v1-model says: ${V1}`);

    // 7. Streaming goes through the same resolved config.
    const streamed = await mastra.getAgent('support').stream('stream please');
    expect(await streamed.text).toBe(`mock-v2-model says: ${V2}`);
    expect(systemOf(model.doStreamCalls[0] as unknown as CallOptions)).toContain(V2);
  });

  it('every published agent in listResolved hydrates into a Mastra instance with its active instructions', async () => {
    const store = await openStore(target);
    const agents = await agentsOf(store);
    for (const [i, id] of ['alpha', 'beta', 'gamma'].entries()) {
      await agents.create({
        agent: { id, name: id, instructions: `I am ${id} v1.`, model: { provider: 'mock-provider', name: `${id}-model` } },
      });
      await agents.createVersion({
        id: `${id}-v2`,
        agentId: id,
        versionNumber: 2,
        name: id,
        instructions: `I am ${id} v2.`,
        model: { provider: 'mock-provider', name: `${id}-model` },
      });
      if (i < 2) await agents.update({ id, activeVersionId: `${id}-v2`, status: 'published' });
    }
    const { agents: live } = await agents.listResolved({ status: 'published', orderBy: { field: 'createdAt', direction: 'ASC' } });
    expect(live.map(a => a.id)).toEqual(['alpha', 'beta']);
    const hydrated = Object.fromEntries(live.map(a => [a.id, hydrate(a)]));
    const mastra = new Mastra({
      storage: store as any,
      agents: Object.fromEntries(Object.entries(hydrated).map(([k, v]) => [k, v.agent])),
      logger: false,
    });
    expect(await ask(mastra, 'alpha', 'who?')).toBe('alpha-model says: I am alpha v2.');
    expect(await ask(mastra, 'beta', 'who?')).toBe('beta-model says: I am beta v2.');
    expect(() => mastra.getAgent('gamma' as never)).toThrow();
  });

  it.runIf((nativeTargets as Target[]).includes(target))('the NativeStore flat API drives the same life cycle', async () => {
    const store = (await openStore(target)) as any;
    const created = await store.createAgent({
      id: 'flat',
      name: 'Flat',
      instructions: 'Flat v1.',
      model: { provider: 'mock-provider', name: 'flat-model' },
    });
    expect(created.instructions).toBe('Flat v1.');
    expect(created.status).toBe('draft');
    await store.stores.agents.createVersion({
      id: 'flat-v2',
      agentId: 'flat',
      versionNumber: 2,
      name: 'Flat',
      instructions: 'Flat v2.',
      model: { provider: 'mock-provider', name: 'flat-model' },
    });
    const published = await store.updateAgent({ id: 'flat', activeVersionId: 'flat-v2', status: 'published', metadata: { live: true } });
    expect(published.resolvedVersionId).toBe('flat-v2');
    expect(published.instructions).toBe('Flat v2.');
    expect(published.metadata).toEqual({ live: true });
    const resolved = await store.getAgentByIdResolved('flat');
    expect(resolved).toEqual(published);
    const listed = await store.listAgentsResolved({ status: 'published' });
    expect(listed.agents.map((a: any) => a.resolvedVersionId)).toEqual(['flat-v2']);
    const { agent } = hydrate(resolved);
    const mastra = new Mastra({ storage: store, agents: { flat: agent }, logger: false });
    expect(await ask(mastra, 'flat', 'hi')).toBe('flat-model says: Flat v2.');
    await store.deleteAgent('flat');
    expect(await store.getAgentByIdResolved('flat')).toBeNull();
    await expect(store.deleteAgent('flat')).resolves.toBeUndefined();
  });
});
