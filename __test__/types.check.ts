// Compile-only check of the public types (run by `npm run typecheck`).
import { NativeMemoryStorage, NativeStore } from '../index.js';
import type { MastraCompositeStore } from '@mastra/core/storage';

async function check() {
  const store: MastraCompositeStore = new NativeStore({ id: 'a', url: ':memory:' });
  const s = new NativeStore({ id: 'b' });
  const memory = await s.getStore('memory');
  const m: NativeMemoryStorage = s.stores.memory;
  const thread = await s.getThreadById('x');
  const total: number = (await s.listThreads({ perPage: false })).total;
  const saved = await s.saveMessages([]);
  await s.deleteMessage({ id: 'm', threadId: 't' });
  await m.deleteMessages(['m']);
  await s.saveWorkflowRun({ workflow_name: 'w', run_id: 'r', snapshot: '{}' });
  const state = await s.getWorkflowRunById('r', ['steps', 'result']);
  const status: string | undefined = state?.status;
  const runs: number = (await s.listWorkflowRuns({ workflowName: 'w' })).total;
  await s.deleteWorkflowRun('r');
  const concurrent: boolean = s.stores.workflows.supportsConcurrentUpdates();
  void [status, runs, concurrent];
  const agent = await s.createAgent({ id: 'a', name: 'A', instructions: 'x', model: { provider: 'p', name: 'm' } });
  const resolved = await s.getAgentByIdResolved(agent.id);
  const listed: number = (await s.listAgentsResolved({ perPage: 10 })).agents.length;
  await s.updateAgent({ id: 'a', status: 'published' });
  await s.deleteAgent('a');
  void [resolved, listed];
  return [store, memory, thread, total, saved];
}
void check;
