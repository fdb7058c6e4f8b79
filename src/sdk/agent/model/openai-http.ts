/**
 * HTTP for the OpenAI-compatible chat and embeddings providers: one deadline per call, the caller's abort
 * signal, and the translation of statuses and network failures into SomaErrors that name config keys.
 */
import { keyDefinition } from '../../config/schema.js';
import { maskUrl } from '../../config/show.js';
import {
  ConfigError,
  errorMessage,
  isSomaError,
  SomaError,
  TimeoutError,
  UnavailableError,
} from '../../errors.js';
import { abortReason } from './model-provider.js';

/** Where and how to reach one OpenAI-compatible API, and which config keys set it (named in errors). */
export interface OpenAiEndpoint {
  /** `chat model` or `embeddings`, the subject of error messages. */
  readonly label: string;
  /** Engine name of `UnavailableError`s: `model` or `embeddings`. */
  readonly engine: string;
  /** Base URL without the trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Deadline of the response headers, and of every gap between streamed chunks. */
  readonly timeoutMs: number;
  /** Config keys named in error hints. */
  readonly keys: { readonly baseUrl: string; readonly apiKey: string; readonly model: string };
}

/**
 * One HTTP call's cancellation: aborts on the caller's signal or when the deadline passes, and tells the two
 * apart. The deadline starts at once; `arm()` restarts it and `pause()` stops it, so a stream is timed only
 * while it waits for the server.
 */
export class CallGuard {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timedOut = false;
  private readonly onAbort = () => this.controller.abort(abortReason(this.caller as AbortSignal));

  constructor(
    private readonly timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    if (caller?.aborted) this.onAbort();
    else caller?.addEventListener('abort', this.onAbort, { once: true });
    this.arm();
  }

  /** Restarts the deadline. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DOMException('deadline passed', 'TimeoutError'));
    }, this.timeoutMs);
  }

  /** Stops the deadline until the next {@link arm} (while the consumer, not the server, is slow). */
  pause(): void {
    clearTimeout(this.timer);
  }

  /** Stops the deadline and closes the connection if it is still open. */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onAbort);
    if (!this.controller.signal.aborted)
      this.controller.abort(new DOMException('call finished', 'AbortError'));
  }

  /** What to throw for `error`: the caller's abort reason, a TimeoutError, or the error itself if typed. */
  translate(error: unknown, endpoint: OpenAiEndpoint, what: string): unknown {
    if (this.caller?.aborted) return abortReason(this.caller);
    if (this.timedOut) {
      return new TimeoutError(
        `${endpoint.label} at ${address(endpoint)} did not answer ${what} within ${this.timeoutMs} ms`,
        { cause: error, hint: 'The server is slow or stuck; retry, or raise timeouts.request.' },
      );
    }
    if (isSomaError(error)) return error;
    return new UnavailableError(
      endpoint.engine,
      address(endpoint),
      `${endpoint.label} at ${address(endpoint)} is unreachable: ${networkMessage(error)}`,
      {
        cause: error,
        hint: `Check that the server is running and that ${keyName(endpoint.keys.baseUrl)} is right.`,
      },
    );
  }
}

/**
 * POSTs `body` as JSON to `{baseUrl}{path}` and resolves the response once its status is 2xx; any other status
 * rejects with {@link httpError}. Network failures, the deadline and the caller's abort reject through
 * {@link CallGuard.translate}.
 */
export async function postJson(
  endpoint: OpenAiEndpoint,
  path: string,
  body: unknown,
  guard: CallGuard,
  accept = 'application/json',
): Promise<Response> {
  try {
    const response = await fetch(`${endpoint.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${endpoint.apiKey}`,
        'content-type': 'application/json',
        accept,
      },
      body: JSON.stringify(body),
      signal: guard.controller.signal,
    });
    if (!response.ok)
      throw httpError(endpoint, `POST ${path}`, response.status, await response.text(), response);
    return response;
  } catch (error) {
    throw guard.translate(error, endpoint, `POST ${path}`);
  }
}

/**
 * The SomaError for a non-2xx answer: 401/403 → ConfigError about the key; 404 → ConfigError about the model
 * name or base URL; 408/409/425/429 and 5xx → retriable UnavailableError (with `retryAfterMs` when the server
 * sent Retry-After), except a 429 for exhausted quota; other statuses → `PROVIDER_REJECTED`, not retriable.
 */
export function httpError(
  endpoint: OpenAiEndpoint,
  what: string,
  status: number,
  bodyText: string,
  response?: Response,
): SomaError {
  const detail = serverError(bodyText);
  const where = `${endpoint.label} at ${address(endpoint)}`;
  const message = `${where} answered ${what} with HTTP ${status}${detail.message ? `: ${detail.message}` : ''}`;
  const details = { status, ...(detail.code ? { serverCode: detail.code } : {}) };
  if (status === 401 || status === 403) {
    return new ConfigError(message, {
      details,
      hint: `Check ${keyName(endpoint.keys.apiKey)}: the server did not accept the API key.`,
    });
  }
  if (status === 404) {
    return new ConfigError(message, {
      details,
      hint: `Check ${keyName(endpoint.keys.model)} and ${keyName(endpoint.keys.baseUrl)} (the base URL usually ends in /v1).`,
    });
  }
  if (status === 429 && detail.code === 'insufficient_quota') {
    return new ConfigError(message, {
      details,
      hint: `The account of ${keyName(endpoint.keys.apiKey)} has no quota left; add credit or use another key.`,
    });
  }
  if (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500) {
    const retryAfterMs = retryAfter(response?.headers.get('retry-after') ?? null);
    return new UnavailableError(endpoint.engine, address(endpoint), message, {
      details: { ...details, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      hint:
        status === 429
          ? 'The server is rate limiting; retry later or send fewer requests.'
          : 'The server is busy or failing; retry later.',
    });
  }
  return new SomaError('PROVIDER_REJECTED', message, {
    details,
    hint: 'The server rejected the request; the message above says why (context too long, bad tool schema…).',
  });
}

/** `key (SOMA_VAR)`, for hints. */
export function keyName(key: string): string {
  const env = keyDefinition(key)?.env;
  return env ? `${key} (${env})` : key;
}

/** The base URL without credentials, for messages. */
export function address(endpoint: OpenAiEndpoint): string {
  return maskUrl(endpoint.baseUrl);
}

/** The message and code of an OpenAI-style error body `{ "error": { "message", "code", "type" } }`. */
export function serverError(bodyText: string): { message?: string; code?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim();
    return text ? { message: clip(text) } : {};
  }
  const error = (parsed as { error?: unknown } | null)?.error ?? parsed;
  if (typeof error === 'string') return { message: clip(error) };
  const { message, code, type } = (error ?? {}) as { message?: unknown; code?: unknown; type?: unknown };
  return {
    ...(typeof message === 'string' ? { message: clip(message) } : {}),
    ...(typeof code === 'string' ? { code } : typeof type === 'string' ? { code: type } : {}),
  };
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string')
    return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return errorMessage(error);
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
