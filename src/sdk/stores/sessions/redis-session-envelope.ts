import { SomaError } from '../../errors.js';
import { fromKeySegment } from './redis-keys.js';
import type { JsonValue, Session } from './session-store.js';

const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;
const DIGIT_0 = 0x30;

// The fixed parts of an envelope, as bytes: `{"c":`, `,"u":`, `,"e":`, `,"sk":"`, `","state":`.
const OPEN_C = Buffer.from('{"c":');
const FIELD_U = Buffer.from(',"u":');
const FIELD_E = Buffer.from(',"e":');
const FIELD_SK = Buffer.from(',"sk":"');
const FIELD_STATE = Buffer.from('","state":');

function malformed(sessionId: string, cause?: unknown): SomaError {
  return new SomaError('STORE_FAILED', `session store: session ${sessionId} holds a malformed value`, {
    cause,
    hint: 'Check that nothing else writes keys under this key prefix (redis.keyPrefix).',
  });
}

// Where the digits read by the last digitsAt ended (a second return value without allocating).
let digitsEnd = 0;

/** The integer of the run of ASCII digits at `from` (-1 when there is none); sets {@link digitsEnd}. */
function digitsAt(raw: Buffer, from: number): number {
  let at = from;
  let value = 0;
  while (at < raw.length) {
    const digit = (raw[at] as number) - DIGIT_0;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    at++;
  }
  digitsEnd = at;
  return at === from ? -1 : value;
}

/** Whether `raw` holds the bytes of `part` at `at`. */
function holds(raw: Buffer, at: number, part: Buffer): boolean {
  if (at + part.length > raw.length) return false;
  for (let i = 0; i < part.length; i++) if (raw[at + i] !== part[i]) return false;
  return true;
}

/**
 * Decodes a session envelope as SET_SCRIPT writes it, `{"c":C,"u":U,"e":E,"sk":"SK","state":STATE}`, from
 * the reply bytes: the fixed-form head is read in one pass over the bytes (each number summed as its digits
 * are read), and only the state is made a string and given to JSON.parse. Reading the reply as bytes
 * spares converting the whole value to a string first. Any other form is a `STORE_FAILED` error (something
 * else wrote under the key prefix).
 */
export function decodeSession(tenant: string, sessionId: string, raw: Buffer): Session {
  if (!holds(raw, 0, OPEN_C)) throw malformed(sessionId);
  const created = digitsAt(raw, OPEN_C.length);
  let at = digitsEnd;
  if (!holds(raw, at, FIELD_U)) throw malformed(sessionId);
  const updated = digitsAt(raw, at + FIELD_U.length);
  at = digitsEnd;
  if (!holds(raw, at, FIELD_E)) throw malformed(sessionId);
  const expires = digitsAt(raw, at + FIELD_E.length);
  at = digitsEnd;
  if (!holds(raw, at, FIELD_SK)) throw malformed(sessionId);
  at += FIELD_SK.length;
  // An encoded subject holds no quote (keySegment percent-encodes everything but [A-Za-z0-9_-]).
  const skEnd = raw.indexOf(QUOTE, at);
  if (
    created < 0 ||
    updated < 0 ||
    expires < 0 ||
    skEnd < 0 ||
    !holds(raw, skEnd, FIELD_STATE) ||
    raw[raw.length - 1] !== CLOSE_BRACE
  ) {
    throw malformed(sessionId);
  }
  let state: JsonValue;
  try {
    state = JSON.parse(raw.toString('utf8', skEnd + FIELD_STATE.length, raw.length - 1)) as JsonValue;
  } catch (error) {
    throw malformed(sessionId, error);
  }
  return {
    tenant,
    subject: fromKeySegment(raw.toString('latin1', at, skEnd)),
    sessionId,
    state,
    createdAt: new Date(created),
    updatedAt: new Date(updated),
    expiresAt: new Date(expires),
  };
}
