import { describe, expect, it } from 'vitest';

// The chat page's API module is plain browser JavaScript (no types, no build step); Node runs it as is.
type OnEvent = (name: string, data: unknown) => void;
const { readEventStream, retryAfterSeconds } = (await import(
  new URL('../../src/runtime/ui/api.js', import.meta.url).href
)) as {
  readEventStream: (body: ReadableStream<Uint8Array>, onEvent: OnEvent) => Promise<void>;
  retryAfterSeconds: (header: string | null, now?: number) => number | undefined;
};

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function parse(chunks: Uint8Array[]): Promise<Array<[string, unknown]>> {
  const events: Array<[string, unknown]> = [];
  await readEventStream(streamOf(chunks), (name, data) => events.push([name, data]));
  return events;
}

const STREAM = [
  ': a comment line\n',
  'event: turn\ndata: {"turnId":"t1"}\n\n',
  'event: token\r\ndata: {"text":"Grüße 👋"}\r\n\r\n',
  'event: token\rdata: {"text":" and more"}\r\r',
  'event: tool_result\ndata: {"callId":"c1",\ndata: "status":"ok"}\n\n',
  'data: plain text\n\n',
  'event: reply\ndata:{"messageId":"m1","text":"Grüße 👋 and more"}\n\n',
].join('');

const EXPECTED: Array<[string, unknown]> = [
  ['turn', { turnId: 't1' }],
  ['token', { text: 'Grüße 👋' }],
  ['token', { text: ' and more' }],
  ['tool_result', { callId: 'c1', status: 'ok' }],
  ['message', 'plain text'],
  ['reply', { messageId: 'm1', text: 'Grüße 👋 and more' }],
];

describe('chat page: event stream parsing', () => {
  it('reads named JSON events, comments, multi-line data and every line ending', async () => {
    expect(await parse([new TextEncoder().encode(STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split (inside UTF-8 characters and CRLF too)', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      const events = await parse([bytes.slice(0, cut), bytes.slice(cut)]);
      expect({ cut, events }).toEqual({ cut, events: EXPECTED });
    }
    const single = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(await parse(single)).toEqual(EXPECTED);
  });

  it('dispatches a last event that lacks its blank line, and nothing for an empty stream', async () => {
    const encoder = new TextEncoder();
    expect(await parse([encoder.encode('event: reply\ndata: {"text":"x"}')])).toEqual([
      ['reply', { text: 'x' }],
    ]);
    expect(await parse([])).toEqual([]);
    expect(await parse([encoder.encode('event: step\n\n')])).toEqual([]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterSeconds('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });
});
