// A mock language model (ai's MockLanguageModelV2) driven by a script: `respond` turns the
// call's options into the reply's content, served alike to generate and stream calls.
import { MockLanguageModelV2, simulateReadableStream } from 'ai/test';

export type Content =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string };

export type Reply = { content: Content[]; finishReason: string };

/** A prompt message as the mock model receives it (text parts, tool results). */
export type PromptMessage = { role: string; content: string | Array<{ type: string; text?: string; output?: unknown }> };

/** The text of a prompt message: its text parts joined. */
export function textOfPrompt(m: PromptMessage): string {
  if (typeof m.content === 'string') return m.content;
  return m.content
    .filter(p => p.type === 'text')
    .map(p => p.text ?? '')
    .join('');
}

const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };

function streamChunks(content: Content[], finishReason: string) {
  const chunks: any[] = [{ type: 'stream-start', warnings: [] }];
  content.forEach((c, i) => {
    if (c.type === 'text') {
      const id = `t${i}`;
      chunks.push({ type: 'text-start', id }, { type: 'text-delta', id, delta: c.text }, { type: 'text-end', id });
    } else {
      chunks.push(c);
    }
  });
  chunks.push({ type: 'finish', finishReason, usage });
  return chunks;
}

/** A mock model answering every call (generate or stream) with `respond(options)`. */
export function scriptedModel(respond: (opts: any) => Reply) {
  return new MockLanguageModelV2({
    doGenerate: async (opts: any) => {
      const { content, finishReason } = respond(opts);
      return { content, finishReason, usage, warnings: [] } as any;
    },
    doStream: async (opts: any) => {
      const { content, finishReason } = respond(opts);
      return { stream: simulateReadableStream({ chunks: streamChunks(content, finishReason) }) } as any;
    },
  });
}
