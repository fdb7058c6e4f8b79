/**
 * The gateway's REST API as the chat page uses it: every request carries `Authorization: Bearer KEY`;
 * sending a message answers with a Server-Sent Events stream read through fetch (EventSource can neither
 * POST nor send headers). URLs are relative to the page, so the page also works under a path prefix.
 */

/** A refused or failed request: HTTP status, the server's error code and message, Retry-After in seconds. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfterSeconds) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(header, now = Date.now()) {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

async function errorFrom(response) {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = await response.json();
    const error = body && typeof body.error === 'object' && body.error !== null ? body.error : body;
    if (error && typeof error.code === 'string') code = error.code;
    if (error && typeof error.message === 'string') message = error.message;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, code, message, retryAfterSeconds(response.headers.get('Retry-After')));
}

/**
 * Reads a `text/event-stream` body and calls `onEvent(name, data)` per event, `data` parsed as JSON when it
 * is JSON. Follows the SSE format: `event:`/`data:` fields, multi-line data, `:` comments, any line ending;
 * an event is dispatched at its blank line (and a last one when the stream ends without it).
 */
export async function readEventStream(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let name = '';
  let data = [];
  const dispatch = () => {
    if (data.length > 0) {
      const text = data.join('\n');
      let parsed = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Plain text data.
      }
      onEvent(name || 'message', parsed);
    }
    name = '';
    data = [];
  };
  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  };
  for (;;) {
    const { value, done } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    // A trailing \r may be the first half of \r\n: keep it until more arrives.
    const lines = buffer.split(/\r\n|\n|\r(?!$)/);
    buffer = done ? '' : (lines.pop() ?? '');
    for (const text of lines) line(text.replace(/\r$/, ''));
    if (done) break;
  }
  dispatch();
}

/** The API client of one page. `getKey()` returns the current API key. */
export function createApi(getKey) {
  const headers = (extra = {}) => ({ Authorization: `Bearer ${getKey()}`, ...extra });
  const url = (path) => new URL(path, document.baseURI).toString();

  async function json(method, path, body) {
    const response = await fetch(url(path), {
      method,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await errorFrom(response);
    return response.status === 204 ? undefined : response.json();
  }

  return {
    listConversations: async () => (await json('GET', 'v1/conversations')).conversations ?? [],
    createConversation: (title) => json('POST', 'v1/conversations', title ? { title } : {}),
    listMessages: async (id) =>
      (await json('GET', `v1/conversations/${encodeURIComponent(id)}/messages`)).messages ?? [],

    /** Sends `text` and streams the turn: `onEvent(name, data)` per SSE event. */
    async sendMessage(id, text, onEvent, signal) {
      const response = await fetch(url(`v1/conversations/${encodeURIComponent(id)}/messages`), {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
        body: JSON.stringify({ text }),
        signal,
      });
      if (!response.ok) throw await errorFrom(response);
      const type = response.headers.get('Content-Type') ?? '';
      if (!type.startsWith('text/event-stream') || !response.body) {
        throw new ApiError(
          response.status,
          'NOT_A_STREAM',
          `expected an event stream, got ${type || 'no body'}`,
        );
      }
      await readEventStream(response.body, onEvent);
    },

    /** The body of an artifact, as a Blob. */
    async fetchArtifact(key) {
      const response = await fetch(url(`v1/artifacts?key=${encodeURIComponent(key)}`), {
        headers: headers(),
      });
      if (!response.ok) throw await errorFrom(response);
      return response.blob();
    },
  };
}
