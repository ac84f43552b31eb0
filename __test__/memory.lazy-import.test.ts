// NativeStore imports Mastra's MessageList (@mastra/core/agent, ~0.5 s to import on this
// machine) only when a message needs it, so a process that only stores and reads canonical
// messages starts without it. Checked in a child process whose module hooks log every
// specifier it resolves (vitest's own process has @mastra/core/agent loaded already).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mns-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MessageList is imported on first need', () => {
  it('not for canonical v2 saves and lists; then for a system message, with the result @mastra/libsql gives', async () => {
    const log = join(dir, 'resolved.txt');
    const child = join(__dirname, 'fixtures', 'storage-only.mjs');
    const { stdout } = await run(process.execPath, [child], { env: { ...process.env, RESOLVE_LOG: log }, timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.canonical).toEqual({ agentImported: false, saved: ['u1', 'u2'], listed: ['u1', 'u2'] });
    // MessageList leaves a system message out of saveMessages' answer and out of reads
    // (the total still counts it), as @mastra/libsql does (the differential suite compares).
    expect(out.system).toEqual({ agentImported: true, saved: [], listed: ['u1', 'u2'], total: 3 });
  });
});
