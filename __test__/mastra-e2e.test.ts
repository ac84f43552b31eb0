// End-to-end: the store used the way an application uses it — through Mastra's Agent,
// @mastra/memory and the Mastra instance — with a deterministic mock model (no LLM, no network).
// Every suite runs against NativeStore and the reference LibSQLStore (TEST_TARGETS).
//
// The mock model is stateless: it answers only from the prompt Mastra builds for it, so what it
// "remembers" is exactly what the store gave back to Memory (history + working memory).
//   "my name is X"      -> step 1: tool call updateWorkingMemory({ memory: "# User Information\n- **First Name**: X\n" })
//                          step 2 (after the tool result): "Nice to meet you, X."
//   "what is my name?"  -> "Your name is X." if the working-memory system block holds a name, else "I don't know your name yet."
//   anything else       -> "echo: <text>"
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '@mastra/core/agent';
import { Mastra } from '@mastra/core/mastra';
import { Memory } from '@mastra/memory';
import { scriptedModel as mockModel, textOfPrompt, type Content, type PromptMessage } from './helpers/mock-model';
import { makeStore, memoryOf, onPostgres, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { schemaOf, truncateMemory } from './helpers/memory-pg';

// ---------------------------------------------------------------------------------------------
// Mock model
// ---------------------------------------------------------------------------------------------

type CallOptions = { prompt: PromptMessage[]; tools?: Array<{ name: string }> };

let toolCallCounter = 0;

/** The scripted reply for a prompt (see the header comment). */
function respond(opts: CallOptions): { content: Content[]; finishReason: 'stop' | 'tool-calls' } {
  const prompt = opts.prompt;
  const last = prompt[prompt.length - 1];
  if (last.role === 'tool') {
    // Second step of a working-memory turn: confirm using the name we just stored.
    const userText = textOfPrompt([...prompt].reverse().find(m => m.role === 'user')!);
    const name = /my name is (\w+)/i.exec(userText)?.[1] ?? 'friend';
    return { content: [{ type: 'text', text: `Nice to meet you, ${name}.` }], finishReason: 'stop' };
  }
  const text = textOfPrompt(last);
  const intro = /my name is (\w+)/i.exec(text);
  if (intro && opts.tools?.some(t => t.name === 'updateWorkingMemory')) {
    return {
      content: [
        {
          type: 'tool-call',
          toolCallId: `call-${++toolCallCounter}`,
          toolName: 'updateWorkingMemory',
          input: JSON.stringify({ memory: `# User Information\n- **First Name**: ${intro[1]}\n` }),
        },
      ],
      finishReason: 'tool-calls',
    };
  }
  if (/what is my name/i.test(text)) {
    const system = prompt
      .filter(m => m.role === 'system')
      .map(textOfPrompt)
      .join('\n');
    const wmData = /<working_memory_data>([\s\S]*?)<\/working_memory_data>/.exec(system)?.[1] ?? '';
    const name = /\*\*First Name\*\*:[ \t]*(\w+)/.exec(wmData)?.[1];
    return {
      content: [{ type: 'text', text: name ? `Your name is ${name}.` : `I don't know your name yet.` }],
      finishReason: 'stop',
    };
  }
  return { content: [{ type: 'text', text: `echo: ${text}` }], finishReason: 'stop' };
}

function scriptedModel() {
  return mockModel(respond);
}

type Model = ReturnType<typeof scriptedModel>;

/** Non-system prompt messages as "role: text" (tool-call/tool-result parts have no text). */
function conversation(call: CallOptions): string[] {
  return call.prompt.filter(m => m.role === 'user' || m.role === 'assistant').map(m => `${m.role}: ${textOfPrompt(m)}`);
}

function systemText(call: CallOptions): string {
  return call.prompt
    .filter(m => m.role === 'system')
    .map(textOfPrompt)
    .join('\n');
}

/** Text of a stored (MastraDBMessage) message. */
function textOfDb(m: any): string {
  const parts: any[] = m?.content?.parts ?? [];
  const fromParts = parts
    .filter(p => p.type === 'text')
    .map(p => p.text)
    .join('');
  return fromParts || (typeof m?.content?.content === 'string' ? m.content.content : '');
}

function dbConversation(messages: any[]): string[] {
  return messages.map(m => `${m.role}: ${textOfDb(m)}`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** Opening and closing stores; each target's suite has its own, so targets can run at once. */
function storeTracker() {
  const open = new Set<AnyStore>();
  const openStore = async (target: Target, url: string): Promise<AnyStore> => {
    const store = await makeStore(target, { url, id: `e2e-${target}` });
    open.add(store);
    return store;
  };
  const closeStore = async (store: AnyStore) => {
    open.delete(store);
    await store.close();
  };
  afterEach(async () => {
    for (const s of [...open]) await closeStore(s).catch(() => {});
  });
  return { openStore, closeStore };
}

function buildAgent(store: AnyStore | undefined, scope: 'resource' | 'thread', model: Model = scriptedModel()) {
  const memory = new Memory({
    ...(store ? { storage: store } : {}),
    options: { lastMessages: 10, workingMemory: { enabled: true, scope } },
  });
  const agent = new Agent({
    id: 'e2e-agent',
    name: 'e2e-agent',
    instructions: 'You are a test assistant.',
    model,
    memory,
  });
  return { agent, memory, model };
}

const THREAD = 'thread-e2e-1';
const RESOURCE = 'user-e2e-1';

const TURNS = ['Hello there', 'My name is Ada', 'What is my name?'] as const;
const EXPECTED_REPLIES = ['echo: Hello there', 'Nice to meet you, Ada.', 'Your name is Ada.'] as const;
const EXPECTED_HISTORY = TURNS.flatMap((t, i) => [`user: ${t}`, `assistant: ${EXPECTED_REPLIES[i]}`]);

/** Run the three scripted turns; returns per-turn model calls. */
async function runThreeTurns(agent: Agent<any, any, any>, model: Model, thread = THREAD, resource = RESOURCE) {
  const callsPerTurn: CallOptions[][] = [];
  const replies: string[] = [];
  for (const text of TURNS) {
    const before = model.doGenerateCalls.length;
    const res = await agent.generate(text, { memory: { thread, resource } });
    replies.push(res.text);
    callsPerTurn.push(model.doGenerateCalls.slice(before) as unknown as CallOptions[]);
  }
  return { callsPerTurn, replies };
}

// ---------------------------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------------------------

// The targets run concurrently (independent databases), each target's tests in order.
describe.concurrent.each(targets)('Mastra end-to-end on %s', target => {
  describe.sequential(onPostgres[target] === target ? 'PostgreSQL' : 'SQLite', () => {
    const { openStore, closeStore } = storeTracker();
    // PostgreSQL targets use one schema for the whole block (a fresh @mastra/pg init costs
    // seconds), its memory tables emptied before each test; a test that reopens "the same
    // database" closes its store and opens a new one on that schema. SQLite: a file per test.
    const shared = onPostgres[target] === target ? tmpDbUrl(`e2e-${target}`) : null;
    const location = (name: string) => shared ?? tmpDbUrl(name);
    if (shared) beforeEach(() => truncateMemory(schemaOf(target, shared)!));

    it('Agent + Memory (resource-scoped working memory): three turns persist thread, messages and working memory', async () => {
      const store = await openStore(target, location('e2e-resource'));
      const { agent, memory, model } = buildAgent(store, 'resource');

      const { callsPerTurn, replies } = await runThreeTurns(agent, model);

      // The mock answered as scripted — turn 3 could only say "Ada" if working memory came back.
      expect(replies).toEqual([...EXPECTED_REPLIES]);
      // Turn 2 was a tool-call step followed by a text step.
      expect(callsPerTurn.map(c => c.length)).toEqual([1, 2, 1]);
      expect(callsPerTurn[0][0].tools?.map(t => t.name)).toContain('updateWorkingMemory');

      // Turn 1 saw only its own message; turn 3 saw turns 1–2 (history loaded from the store) in order.
      expect(conversation(callsPerTurn[0][0])).toEqual(['user: Hello there']);
      expect(conversation(callsPerTurn[2][0])).toEqual([...EXPECTED_HISTORY.slice(0, 4), 'user: What is my name?']);
      // Working memory was read back into the system prompt before turn 3 (but was empty on turn 1).
      expect(systemText(callsPerTurn[2][0])).toMatch(/<working_memory_data>[\s\S]*First Name\*\*: Ada[\s\S]*<\/working_memory_data>/);
      expect(systemText(callsPerTurn[0][0])).not.toContain('Ada');

      // Thread exists and belongs to the resource.
      const thread = await memory.getThreadById({ threadId: THREAD });
      expect(thread).toBeTruthy();
      expect(thread!.id).toBe(THREAD);
      expect(thread!.resourceId).toBe(RESOURCE);
      expect(thread!.createdAt).toBeInstanceOf(Date);
      const threads = await memory.listThreads({ filter: { resourceId: RESOURCE } });
      expect(threads.threads.map(t => t.id)).toEqual([THREAD]);

      // Messages: user+assistant per turn, in order, straight from the storage domain.
      const mem = await memoryOf(store);
      const { messages, total } = await mem.listMessages({ threadId: THREAD });
      expect(total).toBe(6);
      expect(dbConversation(messages)).toEqual(EXPECTED_HISTORY);
      for (const m of messages) {
        expect(m.threadId).toBe(THREAD);
        expect(m.resourceId).toBe(RESOURCE);
        expect(m.createdAt).toBeInstanceOf(Date);
      }
      const times = messages.map(m => new Date(m.createdAt).getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      // Working memory: via Memory and directly on the resource row.
      const wm = await memory.getWorkingMemory({ threadId: THREAD, resourceId: RESOURCE });
      expect(wm).toContain('**First Name**: Ada');
      const resource = await mem.getResourceById({ resourceId: RESOURCE });
      expect(resource?.id).toBe(RESOURCE);
      expect(resource?.workingMemory).toBe('# User Information\n- **First Name**: Ada\n');
      // Resource scope: the thread's metadata does not carry it.
      expect((thread!.metadata as any)?.workingMemory).toBeUndefined();

      // Resource scope means a brand-new thread of the same user sees the name immediately.
      const other = await agent.generate('What is my name?', { memory: { thread: 'thread-e2e-2', resource: RESOURCE } });
      expect(other.text).toBe('Your name is Ada.');
      const last = model.doGenerateCalls.at(-1) as unknown as CallOptions;
      expect(conversation(last)).toEqual(['user: What is my name?']); // no history leak across threads
      const threadsAfter = await memory.listThreads({ filter: { resourceId: RESOURCE } });
      expect(threadsAfter.threads.map(t => t.id).sort()).toEqual([THREAD, 'thread-e2e-2'].sort());
    });

    it('history and working memory survive closing the store and reopening the same file', async () => {
      const url = location('e2e-restart');
      const first = await openStore(target, url);
      {
        const { agent, model } = buildAgent(first, 'resource');
        const { replies } = await runThreeTurns(agent, model);
        expect(replies).toEqual([...EXPECTED_REPLIES]);
      }
      await closeStore(first);

      // "Restart": a new store object of the same kind on the same file, new Memory, new Agent, new model.
      const second = await openStore(target, url);
      const { agent, memory, model } = buildAgent(second, 'resource');

      const thread = await memory.getThreadById({ threadId: THREAD });
      expect(thread?.resourceId).toBe(RESOURCE);

      const recalled = await memory.recall({ threadId: THREAD, resourceId: RESOURCE });
      expect(dbConversation(recalled.messages)).toEqual(EXPECTED_HISTORY);

      const listed = await (await memoryOf(second)).listMessages({ threadId: THREAD });
      expect(listed.total).toBe(6);
      expect(dbConversation(listed.messages)).toEqual(EXPECTED_HISTORY);

      expect(await memory.getWorkingMemory({ threadId: THREAD, resourceId: RESOURCE })).toContain('**First Name**: Ada');

      // Turn 4 after the restart: the prompt carries the whole persisted history and the working memory.
      const res = await agent.generate('What is my name?', { memory: { thread: THREAD, resource: RESOURCE } });
      expect(res.text).toBe('Your name is Ada.');
      expect(model.doGenerateCalls).toHaveLength(1);
      const call = model.doGenerateCalls[0] as unknown as CallOptions;
      expect(conversation(call)).toEqual([...EXPECTED_HISTORY, 'user: What is my name?']);
      expect(systemText(call)).toMatch(/<working_memory_data>[\s\S]*First Name\*\*: Ada/);

      const after = await memory.recall({ threadId: THREAD, resourceId: RESOURCE });
      expect(dbConversation(after.messages)).toEqual([...EXPECTED_HISTORY, 'user: What is my name?', 'assistant: Your name is Ada.']);
    });

    it('lastMessages limits the history sent to the model to the most recent messages', async () => {
      const store = await openStore(target, location('e2e-window'));
      const model = scriptedModel();
      const memory = new Memory({ storage: store, options: { lastMessages: 3 } });
      const agent = new Agent({ id: 'w', name: 'w', instructions: 'x', model, memory });
      for (const t of ['one', 'two', 'three']) {
        await agent.generate(t, { memory: { thread: 'win', resource: 'win-user' } });
      }
      const call = model.doGenerateCalls.at(-1) as unknown as CallOptions;
      // 4 stored before turn 3; only the newest 3, oldest first, then the new user message. (Mastra may
      // prepend a placeholder user message "." when the window starts with an assistant message.)
      const conv = conversation(call);
      expect(conv.slice(-4)).toEqual(['assistant: echo: one', 'user: two', 'assistant: echo: two', 'user: three']);
      expect(conv).not.toContain('user: one');
      expect(conv.length).toBeLessThanOrEqual(5);
      expect((await (await memoryOf(store)).listMessages({ threadId: 'win' })).total).toBe(6);
    });

    it('thread-scoped working memory is stored in the thread metadata, not on the resource', async () => {
      const url = location('e2e-thread-scope');
      const store = await openStore(target, url);
      const { agent, memory, model } = buildAgent(store, 'thread');

      const r1 = await agent.generate('My name is Bob', { memory: { thread: 'tscope-1', resource: 'tscope-user' } });
      expect(r1.text).toBe('Nice to meet you, Bob.');
      const r2 = await agent.generate('What is my name?', { memory: { thread: 'tscope-1', resource: 'tscope-user' } });
      expect(r2.text).toBe('Your name is Bob.');
      expect(conversation(model.doGenerateCalls.at(-1) as unknown as CallOptions)).toEqual([
        'user: My name is Bob',
        'assistant: Nice to meet you, Bob.',
        'user: What is my name?',
      ]);

      const mem = await memoryOf(store);
      const thread = await mem.getThreadById({ threadId: 'tscope-1' });
      expect(thread?.resourceId).toBe('tscope-user');
      expect(thread?.metadata).toEqual({ workingMemory: '# User Information\n- **First Name**: Bob\n' });
      const resource = await mem.getResourceById({ resourceId: 'tscope-user' });
      expect(resource?.workingMemory ?? null).toBeNull();
      expect(await memory.getWorkingMemory({ threadId: 'tscope-1', resourceId: 'tscope-user' })).toContain('**First Name**: Bob');

      // Another thread of the same user does not see thread-scoped working memory.
      const r3 = await agent.generate('What is my name?', { memory: { thread: 'tscope-2', resource: 'tscope-user' } });
      expect(r3.text).toBe(`I don't know your name yet.`);

      // And it survives a restart.
      await closeStore(store);
      const reopened = await openStore(target, url);
      const again = buildAgent(reopened, 'thread');
      const t2 = await (await memoryOf(reopened)).getThreadById({ threadId: 'tscope-1' });
      expect((t2?.metadata as any)?.workingMemory).toBe('# User Information\n- **First Name**: Bob\n');
      const r4 = await again.agent.generate('What is my name?', { memory: { thread: 'tscope-1', resource: 'tscope-user' } });
      expect(r4.text).toBe('Your name is Bob.');
    });

    it('new Mastra({ storage }) accepts the store and agents without their own storage persist into it', async () => {
      const store = await openStore(target, location('e2e-mastra'));
      // Memory without `storage`: Mastra must hand it the instance-level store.
      const { agent, model } = buildAgent(undefined, 'resource');
      const mastra = new Mastra({ storage: store as any, agents: { a: agent }, logger: false });
      expect(mastra.getStorage()).toBeTruthy();

      const a = mastra.getAgent('a');
      const r1 = await a.generate('My name is Cleo', { memory: { thread: 'm-thread', resource: 'm-user' } });
      expect(r1.text).toBe('Nice to meet you, Cleo.');
      const r2 = await a.generate('What is my name?', { memory: { thread: 'm-thread', resource: 'm-user' } });
      expect(r2.text).toBe('Your name is Cleo.');
      expect(conversation(model.doGenerateCalls.at(-1) as unknown as CallOptions)).toEqual([
        'user: My name is Cleo',
        'assistant: Nice to meet you, Cleo.',
        'user: What is my name?',
      ]);

      // It all landed in *this* store.
      const mem = await memoryOf(store);
      expect((await mem.getThreadById({ threadId: 'm-thread' }))?.resourceId).toBe('m-user');
      const { messages } = await mem.listMessages({ threadId: 'm-thread' });
      expect(dbConversation(messages)).toEqual([
        'user: My name is Cleo',
        'assistant: Nice to meet you, Cleo.',
        'user: What is my name?',
        'assistant: Your name is Cleo.',
      ]);
      expect((await mem.getResourceById({ resourceId: 'm-user' }))?.workingMemory).toContain('**First Name**: Cleo');

      // The store reachable through the Mastra instance sees the same data.
      const viaMastra = await mastra.getStorage()!.getStore('memory');
      expect((await viaMastra!.listMessages({ threadId: 'm-thread' })).total).toBe(4);
    });

    it('streamed turns (agent.stream) are persisted like generated ones', async () => {
      const store = await openStore(target, location('e2e-stream'));
      const { agent, memory, model } = buildAgent(store, 'resource');
      const texts: string[] = [];
      for (const t of ['Hello stream', 'My name is Dora', 'What is my name?']) {
        const out = await agent.stream(t, { memory: { thread: 's-thread', resource: 's-user' } });
        texts.push((await out.getFullOutput()).text);
      }
      expect(texts).toEqual(['echo: Hello stream', 'Nice to meet you, Dora.', 'Your name is Dora.']);
      expect(model.doStreamCalls).toHaveLength(4);
      expect(conversation(model.doStreamCalls[3] as unknown as CallOptions)).toEqual([
        'user: Hello stream',
        'assistant: echo: Hello stream',
        'user: My name is Dora',
        'assistant: Nice to meet you, Dora.',
        'user: What is my name?',
      ]);
      const recalled = await memory.recall({ threadId: 's-thread', resourceId: 's-user' });
      expect(dbConversation(recalled.messages)).toEqual([
        'user: Hello stream',
        'assistant: echo: Hello stream',
        'user: My name is Dora',
        'assistant: Nice to meet you, Dora.',
        'user: What is my name?',
        'assistant: Your name is Dora.',
      ]);
      expect((await (await memoryOf(store)).getResourceById({ resourceId: 's-user' }))?.workingMemory).toContain('Dora');
    });
  });
});
