import { SomaError } from '../../errors.js';
import { fromKeySegment } from './redis-keys.js';
import type { JsonValue, Session } from './session-store.js';

/** End (exclusive) of the run of ASCII digits at `from`. */
function digitsEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code < 48 || code > 57) break;
    at++;
  }
  return at;
}

/** The integer of the digits in `text[from, to)`, summed in place (no substring, no Number()). */
function digitsValue(text: string, from: number, to: number): number {
  let value = 0;
  for (let at = from; at < to; at++) value = value * 10 + text.charCodeAt(at) - 48;
  return value;
}

function malformed(sessionId: string, cause?: unknown): SomaError {
  return new SomaError('STORE_FAILED', `session store: session ${sessionId} holds a malformed value`, {
    cause,
    hint: 'Check that nothing else writes keys under this key prefix (redis.keyPrefix).',
  });
}

/**
 * Decodes a session envelope as SET_SCRIPT writes it, `{"c":C,"u":U,"e":E,"sk":"SK","state":STATE}`: the
 * fixed-form head is read by hand and only the state goes through JSON.parse, which costs about a third
 * less per session than parsing the whole envelope. Any other form is a `STORE_FAILED` error (something
 * else wrote under the key prefix).
 */
export function decodeSession(tenant: string, sessionId: string, raw: string): Session {
  if (!raw.startsWith('{"c":')) throw malformed(sessionId);
  const cEnd = digitsEnd(raw, 5);
  if (cEnd === 5 || !raw.startsWith(',"u":', cEnd)) throw malformed(sessionId);
  const uEnd = digitsEnd(raw, cEnd + 5);
  if (uEnd === cEnd + 5 || !raw.startsWith(',"e":', uEnd)) throw malformed(sessionId);
  const eEnd = digitsEnd(raw, uEnd + 5);
  if (eEnd === uEnd + 5 || !raw.startsWith(',"sk":"', eEnd)) throw malformed(sessionId);
  // An encoded subject holds no quote (keySegment percent-encodes everything but [A-Za-z0-9_-]).
  const skEnd = raw.indexOf('"', eEnd + 7);
  if (skEnd < 0 || !raw.startsWith('","state":', skEnd) || !raw.endsWith('}')) throw malformed(sessionId);
  let state: JsonValue;
  try {
    state = JSON.parse(raw.slice(skEnd + 10, -1)) as JsonValue;
  } catch (error) {
    throw malformed(sessionId, error);
  }
  return {
    tenant,
    subject: fromKeySegment(raw.slice(eEnd + 7, skEnd)),
    sessionId,
    state,
    createdAt: new Date(digitsValue(raw, 5, cEnd)),
    updatedAt: new Date(digitsValue(raw, cEnd + 5, uEnd)),
    expiresAt: new Date(digitsValue(raw, uEnd + 5, eEnd)),
  };
}
