/** The offline model: each rule of docs/offline-model.md, streaming, limits and determinism. */
import { describe, expect, it } from 'vitest';
import type {
  ChatMessage,
  ModelEvent,
  ModelRequest,
  RecalledMemory,
} from '../../src/sdk/agent/model/model-provider.js';
import { OfflineModel } from '../../src/sdk/agent/model/offline-model.js';
import { decide, fencedJavaScript, MEMORY_MIN_SCORE } from '../../src/sdk/agent/model/offline-rules.js';
import { summariseToolResult } from '../../src/sdk/agent/model/tool-result-summary.js';

const RUN = {
  name: 'run_javascript',
  description: 'Runs JavaScript in a sandbox',
  inputSchema: { type: 'object' },
};
const FETCH = { name: 'fetch_url', description: 'Fetches a URL', inputSchema: { type: 'object' } };
const model = new OfflineModel();

function ask(content: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return { messages: [{ role: 'user', content }], tools: [RUN, FETCH], memories: [], ...extra };
}

async function run(request: ModelRequest, signal?: AbortSignal): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of model.stream(request, signal ? { signal } : {})) events.push(event);
  return events;
}

const text = (events: ModelEvent[]) => events.map((e) => (e.type === 'token' ? e.text : '')).join('');
const calls = (events: ModelEvent[]) => events.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));

function memory(text: string, score: number, day = '2026-02-01', id = text): RecalledMemory {
  return { id, text, score, createdAt: new Date(`${day}T12:00:00Z`) };
}

describe('offline model: explicit tool requests', () => {
  it('/run CODE calls run_javascript with the code, then finishes with tool_calls', async () => {
    const events = await run(ask('/run 6 * 7'));
    expect(calls(events)).toEqual([
      {
        id: expect.stringMatching(/^call_offline_[0-9a-f]{8}$/),
        name: 'run_javascript',
        arguments: { code: '6 * 7' },
      },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'tool_calls',
      usage: { inputTokens: 4, outputTokens: 1 },
    });
    expect(text(events)).toBe('');
  });

  it('/run accepts multi-line code and a fenced block', async () => {
    expect(calls(await run(ask('/run\nconst a = 1;\nconsole.log(a)')))[0]?.arguments).toEqual({
      code: 'const a = 1;\nconsole.log(a)',
    });
    expect(calls(await run(ask('/run ```js\n[1, 2].map(x => x * 2)\n```')))[0]?.arguments).toEqual({
      code: '[1, 2].map(x => x * 2)',
    });
  });

  it('/run without code answers with usage; without the tool it says the tool is unavailable', async () => {
    expect(text(await run(ask('/run   ')))).toBe('Usage: /run <JavaScript code>, for example /run 6 * 7');
    const refused = await run(ask('/run 1 + 1', { tools: [FETCH] }));
    expect(calls(refused)).toEqual([]);
    expect(text(refused)).toBe('The tool run_javascript is not available here. Available tools: fetch_url.');
    expect(text(await run(ask('/run 1', { tools: [] })))).toBe(
      'The tool run_javascript is not available here. No tools are available in this conversation.',
    );
  });

  it('a ```js block with "run" outside it calls run_javascript; without "run", or in another language, it does not', async () => {
    const asked = ask('Can you run this for me?\n```javascript\nconsole.log("hi")\n```');
    expect(calls(await run(asked))).toEqual([
      expect.objectContaining({ name: 'run_javascript', arguments: { code: 'console.log("hi")' } }),
    ]);
    expect(fencedJavaScript('Please EXECUTE:\n```\n1 + 1\n```')).toBe('1 + 1');
    expect(fencedJavaScript('What does this do?\n```js\nconsole.log("run")\n```')).toBeUndefined();
    expect(fencedJavaScript('run this\n```python\nprint(1)\n```')).toBeUndefined();
    expect(fencedJavaScript('run this\n```js\n```')).toBeUndefined();
    expect(calls(await run(ask('What does this do?\n```js\nconsole.log(1)\n```')))).toEqual([]);
  });

  it('/tool NAME {json} calls that tool with the object; without JSON the arguments are {}', async () => {
    expect(calls(await run(ask('/tool fetch_url {"url": "https://example.org", "max": 2}')))).toEqual([
      expect.objectContaining({ name: 'fetch_url', arguments: { url: 'https://example.org', max: 2 } }),
    ]);
    expect(calls(await run(ask('/tool fetch_url')))[0]?.arguments).toEqual({});
  });

  it('/tool with bad JSON, a non-object, no name or an unknown tool answers in text', async () => {
    const reply =
      'The arguments of /tool must be one JSON object, for example /tool fetch_url {"key": "value"}.';
    expect(text(await run(ask('/tool fetch_url {url: nope}')))).toBe(reply);
    expect(text(await run(ask('/tool fetch_url [1, 2]')))).toBe(reply);
    expect(text(await run(ask('/tool')))).toBe(
      'Usage: /tool NAME {json}. Available tools: run_javascript, fetch_url.',
    );
    expect(text(await run(ask('/tool delete_everything {}')))).toBe(
      'The tool delete_everything is not available here. Available tools: run_javascript, fetch_url.',
    );
  });

  it('call ids are stable for the same request and differ for different arguments', async () => {
    const first = calls(await run(ask('/run 1')))[0]!.id;
    expect(calls(await run(ask('/run 1')))[0]!.id).toBe(first);
    expect(calls(await run(ask('/run 2')))[0]!.id).not.toBe(first);
  });
});

describe('offline model: after tool results', () => {
  function afterTools(...results: Array<[string, string]>): ModelRequest {
    const toolCalls = results.map(([name], i) => ({ id: `c${i}`, name, arguments: {} }));
    const messages: ChatMessage[] = [
      { role: 'user', content: '/run console.log("hi"); 42' },
      { role: 'assistant', content: '', toolCalls },
      ...results.map(([name, content], i) => ({ role: 'tool' as const, toolCallId: `c${i}`, name, content })),
    ];
    return { messages, tools: [RUN, FETCH], memories: [] };
  }

  it('reports result, console output and artifacts, and never calls a tool again', async () => {
    const events = await run(
      afterTools([
        'run_javascript',
        JSON.stringify({
          result: 42,
          console: ['hi', { level: 'warn', args: ['careful', 1] }],
          artifacts: [{ ref: 'artifacts/t1/chart.png' }],
        }),
      ]),
    );
    expect(calls(events)).toEqual([]);
    expect(text(events)).toBe(
      'run_javascript returned 42.\nConsole output:\nhi\n[warn] careful 1\nArtifact: artifacts/t1/chart.png',
    );
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('reports errors, plain values and several results, one after the other', async () => {
    const events = await run(
      afterTools(
        [
          'run_javascript',
          JSON.stringify({ error: { name: 'ReferenceError', message: 'x is not defined' } }),
        ],
        ['fetch_url', JSON.stringify({ status: 200 })],
        ['fetch_url', 'not json at all'],
      ),
    );
    expect(text(events)).toBe(
      'The tool run_javascript failed: x is not defined\nfetch_url returned {"status":200}.\nfetch_url returned not json at all.',
    );
  });

  it("reads a turn's tool envelope by its output: result and console lines, artifact, error", () => {
    const envelope = (value: object) => JSON.stringify(value);
    expect(
      summariseToolResult(
        'run_javascript',
        envelope({ status: 'ok', output: { result: [2, 4, 6], console: [] } }),
      ),
    ).toBe('run_javascript returned [2,4,6].');
    expect(
      summariseToolResult(
        'run_javascript',
        envelope({ status: 'ok', output: { result: 7, console: ['hi', '[warn] w'] } }),
      ),
    ).toBe('run_javascript returned 7.\nConsole output:\nhi\n[warn] w');
    expect(
      summariseToolResult(
        'run_javascript',
        envelope({
          status: 'ok',
          output: { truncated: true, bytes: 20026, preview: '{"result":"xx' },
          artifact: { key: 'tenants/t/k.json', uri: 'objectstore:tenants/t/k.json' },
        }),
      ),
    ).toBe('run_javascript ran.\nArtifact: objectstore:tenants/t/k.json');
    expect(
      summariseToolResult(
        'run_javascript',
        envelope({
          status: 'error',
          output: { console: ['before'] },
          error: { code: 'TOOL_SCRIPT_ERROR', message: 'Uncaught Error: boom' },
        }),
      ),
    ).toBe('The tool run_javascript failed: Uncaught Error: boom');
    // A tool's own output that happens to have a status is not an envelope.
    expect(summariseToolResult('fetch_url', envelope({ status: 200, output: { a: 1 } }))).toBe(
      'fetch_url returned {"a":1}.',
    );
  });

  it('summarises the documented result shapes', () => {
    expect(summariseToolResult('t', '{"error":"boom"}')).toBe('The tool t failed: boom');
    expect(summariseToolResult('t', '{"output":"done","stdout":"a\\nb\\n"}')).toBe(
      't returned done.\nConsole output:\na\nb',
    );
    expect(summariseToolResult('t', '{"console":[]}')).toBe('t ran.\nConsole output: none.');
    expect(summariseToolResult('t', '{"artifact":{"key":"k1"}}')).toBe('t ran.\nArtifact: k1');
    expect(summariseToolResult('t', '"text"')).toBe('t returned text.');
    expect(summariseToolResult('t', JSON.stringify({ result: 'x'.repeat(600) }))).toBe(
      `t returned ${'x'.repeat(500)}….`,
    );
  });
});

describe('offline model: answers from memory', () => {
  it('quotes the best memories above the threshold, best first, at most three, with their dates', async () => {
    const memories = [
      memory('My favourite colour is green.', 0.81, '2026-01-05'),
      memory('I like green tea.', 0.35, '2026-01-07'),
      memory('The invoice is due on Friday.', MEMORY_MIN_SCORE - 0.01),
      memory('Green is also my car.', 0.35, '2026-01-09'),
      memory('My cat is green-eyed.', 0.3),
    ];
    const events = await run(ask('What is my favourite colour?', { memories }));
    expect(text(events)).toBe(
      'From what you told me earlier:\n' +
        '- My favourite colour is green. (2026-01-05)\n' +
        '- Green is also my car. (2026-01-09)\n' +
        '- I like green tea. (2026-01-07)',
    );
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('does not quote the message itself back, nor memories below the threshold', async () => {
    const memories = [memory('what is my name?', 0.99), memory('Unrelated note.', 0.05)];
    expect(decide(ask('What is my name?', { memories })).rule).toBe('fallback');
  });

  it('explicit tool requests win over memories', async () => {
    const memories = [memory('/run 1 + 1 is something I typed before', 0.9)];
    expect(decide(ask('/run 1 + 1', { memories })).rule).toBe('run-command');
  });
});

describe('offline model: help, fallback, streaming', () => {
  it('without matching memory it acknowledges and says what it can do', async () => {
    const events = await run(ask('My name is Ana.'));
    expect(text(events)).toBe(
      'Noted. I am the offline model, so I do not compose answers: I quote what you told me earlier when it ' +
        'matches your message (nothing did this time). I run tools when you ask explicitly: /run CODE or ' +
        '/tool NAME {json}. /help lists the rules.',
    );
    expect(text(await run(ask('hi', { tools: [] })))).toContain('none are available in this conversation');
    expect(decide({ messages: [{ role: 'system', content: 'be nice' }], tools: [], memories: [] }).rule).toBe(
      'fallback',
    );
  });

  it('/help lists the rules and the tools', async () => {
    const help = text(await run(ask('/help')));
    expect(help).toContain('/run CODE');
    expect(help).toContain('/tool NAME {json}');
    expect(help.endsWith('Available tools: run_javascript, fetch_url.')).toBe(true);
  });

  it('streams one word per token, whitespace kept, so the tokens join to the reply', async () => {
    const events = await run(ask('/help'));
    const tokens = events.filter((e) => e.type === 'token').map((e) => (e as { text: string }).text);
    expect(tokens.length).toBeGreaterThan(20);
    for (const token of tokens) expect(token.trim()).toMatch(/^\S+$/);
    expect(tokens.join('')).toBe(text(events));
    expect(events.at(-1)).toMatchObject({ usage: { inputTokens: 1, outputTokens: tokens.length } });
  });

  it('maxTokens cuts the reply and finishes with length', async () => {
    const events = await run(ask('My name is Ana.', { maxTokens: 4 }));
    expect(text(events)).toBe('Noted. I am the ');
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'length',
      usage: { inputTokens: 4, outputTokens: 4 },
    });
  });

  it('is deterministic: the same request gives the same events', async () => {
    const request = ask('what colour?', { memories: [memory('My favourite colour is green.', 0.5)] });
    expect(await run(request)).toEqual(await run(request));
  });

  it('honours the abort signal, before and during the stream', async () => {
    const reason = new Error('stop');
    await expect(run(ask('/help'), AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const seen: ModelEvent[] = [];
    await expect(
      (async () => {
        for await (const event of model.stream(ask('/help'), { signal: controller.signal })) {
          seen.push(event);
          controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });
});
