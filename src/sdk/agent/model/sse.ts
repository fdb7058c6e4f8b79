/**
 * Server-sent events, the `data` field only (what OpenAI-compatible streams use), per the WHATWG rules: lines
 * end in CRLF, LF or CR; `data:` lines of one event are joined with LF; a blank line ends an event; lines
 * starting with `:` are comments; other fields are ignored. Bytes may split anywhere, even inside a UTF-8
 * character or between CR and LF.
 */

/** Hooks around each network read, e.g. to run a deadline only while waiting for the server. */
export interface SseHooks {
  /** Runs before each read. */
  waiting?: () => void;
  /** Runs after each read, before its events are yielded. */
  received?: () => void;
}

/**
 * Yields the data of each event of `body`. Data pending when the stream ends without a blank line is yielded
 * too. Returning early cancels the body.
 */
export async function* sseData(
  body: ReadableStream<Uint8Array>,
  hooks: SseHooks = {},
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] | undefined;
  let finished = false;
  try {
    while (!finished) {
      hooks.waiting?.();
      const read = await reader.read();
      hooks.received?.();
      finished = read.done;
      if (read.value) {
        buffer += decoder.decode(read.value, { stream: true });
      }
      if (finished) buffer += decoder.decode();
      const { lines, rest } = takeLines(buffer, finished);
      buffer = rest;
      if (finished && rest !== '') lines.push(rest, '');
      for (const line of lines) {
        if (line === '') {
          if (data) yield data.join('\n');
          data = undefined;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        if (field !== 'data') continue;
        const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
        if (data) data.push(value);
        else data = [value];
      }
    }
    if (data) yield data.join('\n');
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Complete lines of `buffer` and what is left; a final CR waits for a possible LF unless `final`. */
function takeLines(buffer: string, final: boolean): { lines: string[]; rest: string } {
  const lines: string[] = [];
  let start = 0;
  for (let at = 0; at < buffer.length; at++) {
    const code = buffer.charCodeAt(at);
    if (code !== 10 && code !== 13) continue;
    if (code === 13 && at === buffer.length - 1 && !final) break;
    lines.push(buffer.slice(start, at));
    if (code === 13 && buffer.charCodeAt(at + 1) === 10) at++;
    start = at + 1;
  }
  return { lines, rest: buffer.slice(start) };
}
