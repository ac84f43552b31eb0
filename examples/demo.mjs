// mastra-native-store demo: a Mastra agent with memory on the default SQLite file, then a
// "restart" (new store on the same file) to show what was persisted; then a workflow that
// suspends waiting for an approval, survives a restart, and is resumed from the store.
//
//   npm run demo        (builds the addon first if needed)
//
// No API keys or network: the model is a deterministic mock (ai/test) that only knows what
// Mastra puts in its prompt, so anything it "remembers" came back out of the store.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Agent } from '@mastra/core/agent';
import { Mastra } from '@mastra/core/mastra';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { Memory } from '@mastra/memory';
import { MockLanguageModelV2 } from 'ai/test';
import { z } from 'zod';
import { NativeStore } from '../index.js';

const DB_FILE = './mastra.db'; // the default location
const URL = `file:${DB_FILE}`;
const THREAD = 'demo-thread';
const RESOURCE = 'demo-user';

// ---- a deterministic mock model -------------------------------------------------------------
const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
const textOf = m =>
  typeof m.content === 'string' ? m.content : m.content.filter(p => p.type === 'text').map(p => p.text).join('');

function createMockModel() {
  let calls = 0;
  return new MockLanguageModelV2({
    doGenerate: async ({ prompt }) => {
      const reply = (content, finishReason = 'stop') => ({ content, finishReason, usage, warnings: [] });
      const last = prompt[prompt.length - 1];
      const lastUser = textOf([...prompt].reverse().find(m => m.role === 'user'));
      const name = /my name is (\w+)/i.exec(lastUser)?.[1];
      // After the working-memory tool ran: confirm.
      if (last.role === 'tool') return reply([{ type: 'text', text: `Nice to meet you, ${name}. I'll remember that.` }]);
      // Learn a name: call Memory's working-memory tool.
      if (name) {
        return reply(
          [
            {
              type: 'tool-call',
              toolCallId: `call-${++calls}`,
              toolName: 'updateWorkingMemory',
              input: JSON.stringify({ memory: `# User Information\n- **First Name**: ${name}\n` }),
            },
          ],
          'tool-calls',
        );
      }
      // Answer from working memory (Memory injects it into the system prompt).
      if (/what is my name/i.test(lastUser)) {
        const system = prompt.filter(m => m.role === 'system').map(textOf).join('\n');
        const data = /<working_memory_data>([\s\S]*?)<\/working_memory_data>/.exec(system)?.[1] ?? '';
        const known = /\*\*First Name\*\*:[ \t]*(\w+)/.exec(data)?.[1];
        return reply([{ type: 'text', text: known ? `Your name is ${known}.` : `I don't know your name yet.` }]);
      }
      // Otherwise: echo, and say how many earlier messages of this thread the model was given.
      const history = prompt.filter(m => m.role === 'user' || m.role === 'assistant').length - 1;
      return reply([{ type: 'text', text: `You said "${lastUser}" (I can see ${history} earlier messages).` }]);
    },
  });
}

function createAgent(store) {
  const memory = new Memory({
    storage: store,
    options: { lastMessages: 10, workingMemory: { enabled: true, scope: 'resource' } },
  });
  const agent = new Agent({
    id: 'demo-agent',
    name: 'Demo Agent',
    instructions: 'You are a friendly assistant that remembers the user.',
    model: createMockModel(),
    memory,
  });
  return { agent, memory };
}

async function chat(agent, text) {
  console.log(`  user:  ${text}`);
  const res = await agent.generate(text, { memory: { thread: THREAD, resource: RESOURCE } });
  console.log(`  agent: ${res.text}`);
}

const indent = (s, pad = '    ') => s.trimEnd().split('\n').map(l => pad + l).join('\n');
const messageText = m =>
  (m.content?.parts ?? []).filter(p => p.type === 'text').map(p => p.text).join('') || m.content?.content || '';

// ---- a workflow that waits for a human approval ---------------------------------------------
// Built fresh in every "process": only the store carries the run from one to the next.
function createExpenseWorkflow() {
  const expense = z.object({ employee: z.string(), amount: z.number() });
  const check = createStep({
    id: 'check',
    inputSchema: expense,
    outputSchema: expense.extend({ needsApproval: z.boolean() }),
    execute: async ({ inputData }) => ({ ...inputData, needsApproval: inputData.amount > 100 }),
  });
  const approve = createStep({
    id: 'approve',
    inputSchema: expense.extend({ needsApproval: z.boolean() }),
    outputSchema: z.object({ employee: z.string(), amount: z.number(), approved: z.boolean(), by: z.string() }),
    suspendSchema: z.object({ message: z.string() }),
    resumeSchema: z.object({ approved: z.boolean(), by: z.string() }),
    execute: async ({ inputData, resumeData, suspend }) => {
      const { employee, amount, needsApproval } = inputData;
      if (!needsApproval) return { employee, amount, approved: true, by: 'auto' };
      if (!resumeData) return suspend({ message: `${employee} spent $${amount}: approve?` });
      return { employee, amount, approved: resumeData.approved, by: resumeData.by };
    },
  });
  return createWorkflow({
    id: 'expense-approval',
    inputSchema: expense,
    outputSchema: z.object({ employee: z.string(), amount: z.number(), approved: z.boolean(), by: z.string() }),
  })
    .then(check)
    .then(approve)
    .commit();
}

const statusOf = run => (typeof run.snapshot === 'string' ? JSON.parse(run.snapshot) : run.snapshot).status;

// ---- run --------------------------------------------------------------------------------------
for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(DB_FILE + suffix, { force: true });
console.log('mastra-native-store demo (mock model, no API keys)');
console.log(`database: ${resolve(DB_FILE)} (deleted at start, so every run is the same)\n`);

console.log('── session 1 ──');
let store = new NativeStore({ id: 'demo', url: URL });
{
  const { agent } = createAgent(store);
  await chat(agent, 'Hi there!');
  await chat(agent, 'My name is Ada');
  await chat(agent, 'What is my name?');
}
await store.close();
console.log('  (store closed)\n');

console.log('── session 2: new store on the same file ──');
store = new NativeStore({ id: 'demo', url: URL });
const { agent, memory } = createAgent(store);

const { threads } = await memory.listThreads({ filter: { resourceId: RESOURCE } });
console.log(`  threads for ${RESOURCE}: ${threads.map(t => t.id).join(', ') || '(none)'}`);
const { messages, total } = await memory.recall({ threadId: THREAD, resourceId: RESOURCE });
console.log(`  messages in ${THREAD}: ${total}; last 4:`);
for (const m of messages.slice(-4)) console.log(`    ${m.role.padEnd(9)} ${messageText(m)}`);
const wm = await memory.getWorkingMemory({ threadId: THREAD, resourceId: RESOURCE });
console.log(`  working memory (resource ${RESOURCE}):\n${indent(wm ?? '(none)')}`);

console.log('\n  continuing the conversation after the restart:');
await chat(agent, 'What is my name?');
await chat(agent, 'Thanks!');

await store.close();
console.log('  (store closed)\n');

console.log('── session 3: a workflow waits for approval ──');
store = new NativeStore({ id: 'demo', url: URL });
let mastra = new Mastra({ storage: store, workflows: { expenses: createExpenseWorkflow() }, logger: false });
const run = await mastra.getWorkflow('expenses').createRun({ resourceId: RESOURCE });
const started = await run.start({ inputData: { employee: 'Ada', amount: 420 } });
console.log(`  started run ${run.runId}`);
console.log(`  status: ${started.status}; waiting on: ${started.suspendPayload?.approve?.message}`);
await store.close();
console.log('  (store closed)\n');

console.log('── session 4: new store, new Mastra, resume the run ──');
store = new NativeStore({ id: 'demo', url: URL });
mastra = new Mastra({ storage: store, workflows: { expenses: createExpenseWorkflow() }, logger: false });
const workflows = await store.getStore('workflows');
const { runs } = await workflows.listWorkflowRuns({ workflowName: 'expense-approval' });
for (const r of runs) console.log(`  stored run ${r.runId} (resource ${r.resourceId}): ${statusOf(r)}`);
const workflow = mastra.getWorkflow('expenses');
const resumed = await (await workflow.createRun({ runId: run.runId })).resume({
  step: 'approve',
  resumeData: { approved: true, by: 'Grace' },
});
console.log(`  resumed with { approved: true, by: 'Grace' } -> status: ${resumed.status}`);
console.log(`  result: ${JSON.stringify(resumed.result)}`);
const final = await workflow.getWorkflowRunById(run.runId, { fields: ['result'] });
console.log(`  stored state now: ${final?.status}, result ${JSON.stringify(final?.result)}`);

await store.close();
console.log('\ndone.');
