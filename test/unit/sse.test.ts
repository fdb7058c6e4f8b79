/** The server-sent-events parser of the OpenAI-compatible provider, on byte streams split at awkward places. */
import { describe, expect, it } from 'vitest';
import { sseData } from '../../src/sdk/agent/model/sse.js';

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function events(chunks: Array<string | Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(streamOf(chunks))) out.push(data);
  return out;
}

describe('sseData', () => {
  it('joins the data lines of one event with LF, even when CR and LF arrive in different chunks', async () => {
    expect(await events(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual(['a\nb']);
    expect(await events(['data: a\rdata: b\r\r'])).toEqual(['a\nb']);
    expect(await events(['data: a\ndata: b\n\ndata: c\n\n'])).toEqual(['a\nb', 'c']);
  });

  it('skips comments and other fields, strips one space after the colon, keeps empty data', async () => {
    expect(await events([': ping\n\nevent: message\nid: 7\ndata:x\ndata:  y\n\ndata\n\n'])).toEqual([
      'x\n y',
      '',
    ]);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: Ñandú 👋\n\n');
    const chunks = Array.from(bytes, (byte) => new Uint8Array([byte]));
    expect(await events(chunks)).toEqual(['Ñandú 👋']);
  });

  it('yields the last event when the stream ends without a blank line', async () => {
    expect(await events(['data: [DONE]'])).toEqual(['[DONE]']);
    expect(await events(['data: last\n'])).toEqual(['last']);
    expect(await events(['data: last\r'])).toEqual(['last']);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: more\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const data of sseData(body)) {
      expect(data).toBe('more');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
