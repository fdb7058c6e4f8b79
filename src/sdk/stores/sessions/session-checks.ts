import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import { type JsonValue, MAX_SESSION_BATCH, type SessionWrite } from './session-store.js';

/** A {@link SessionWrite} after the port-boundary checks: ids checked, TTL resolved, state serialised. */
export interface CheckedWrite {
  readonly tenant: string;
  readonly subject: string;
  readonly sessionId: string;
  /** The state as given. */
  readonly state: JsonValue;
  /** `JSON.stringify(state)`. */
  readonly stateJson: string;
  readonly ttlMs: number;
}

/** Limits an adapter applies to writes. */
export interface WriteLimits {
  readonly defaultTtlMs: number;
  readonly maxStateBytes: number;
}

// Ten years: far beyond any retention policy, and safely inside Redis and timestamptz ranges.
const MAX_TTL_MS = 10 * 366 * 24 * 3600 * 1000;

/** Checks a TTL in milliseconds: a positive integer of at most ten years. */
export function checkTtl(what: string, ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) {
    throw new InvalidInputError(`${what} must be a whole number of milliseconds from 1 to ${MAX_TTL_MS}`, {
      hint: 'Pass a positive integer TTL in milliseconds, e.g. 86400000 for 24 hours.',
    });
  }
  return ttlMs;
}

/** Checks one write at the port boundary. */
export function checkWrite(write: SessionWrite, limits: WriteLimits): CheckedWrite {
  if (typeof write !== 'object' || write === null) {
    throw new InvalidInputError('a session write must be an object', {
      hint: 'Pass { tenant, subject, sessionId, state }.',
    });
  }
  const tenant = checkId('tenant', write.tenant);
  const subject = checkId('subject', write.subject);
  const sessionId = checkId('session', write.sessionId);
  const ttlMs = write.ttlMs === undefined ? limits.defaultTtlMs : checkTtl('session ttlMs', write.ttlMs);
  let stateJson: string | undefined;
  try {
    stateJson = JSON.stringify(write.state);
  } catch (error) {
    throw new InvalidInputError(`state of session ${sessionId} is not serialisable as JSON`, {
      cause: error,
    });
  }
  if (typeof stateJson !== 'string') {
    throw new InvalidInputError(`state of session ${sessionId} is not a JSON value`, {
      hint: 'Pass null, a boolean, number, string, array or plain object.',
    });
  }
  // A UTF-16 unit takes at most 3 UTF-8 bytes, so short states skip the byte count.
  if (
    stateJson.length * 3 > limits.maxStateBytes &&
    Buffer.byteLength(stateJson, 'utf8') > limits.maxStateBytes
  ) {
    throw new InvalidInputError(
      `state of session ${sessionId} is larger than ${limits.maxStateBytes} bytes`,
      {
        hint: 'Keep large data in the object store and put a reference in the session state.',
      },
    );
  }
  return { tenant, subject, sessionId, state: write.state, stateJson, ttlMs };
}

/** Checks a batch: at most {@link MAX_SESSION_BATCH} writes, each valid, no `(tenant, sessionId)` twice. */
export function checkWrites(writes: readonly SessionWrite[], limits: WriteLimits): CheckedWrite[] {
  if (!Array.isArray(writes)) throw new InvalidInputError('setMany takes an array of session writes');
  if (writes.length > MAX_SESSION_BATCH) {
    throw new InvalidInputError(`setMany takes at most ${MAX_SESSION_BATCH} writes, got ${writes.length}`, {
      hint: `Split the batch into chunks of ${MAX_SESSION_BATCH}.`,
    });
  }
  const checked = writes.map((write) => checkWrite(write, limits));
  const seen = new Set<string>();
  for (const write of checked) {
    // checkId rejects control characters, so joining with NUL is injective.
    const key = `${write.tenant}\u0000${write.sessionId}`;
    if (seen.has(key)) {
      throw new InvalidInputError(`session ${write.sessionId} appears twice in one setMany batch`, {
        hint: 'Write each session once per batch.',
      });
    }
    seen.add(key);
  }
  return checked;
}

/** Checks that the ids of one read are an array of at most {@link MAX_SESSION_BATCH}; not the ids themselves. */
export function checkSessionIdList(sessionIds: readonly string[]): readonly string[] {
  if (!Array.isArray(sessionIds)) throw new InvalidInputError('getMany takes an array of session ids');
  if (sessionIds.length > MAX_SESSION_BATCH) {
    throw new InvalidInputError(`getMany takes at most ${MAX_SESSION_BATCH} ids, got ${sessionIds.length}`, {
      hint: `Split the batch into chunks of ${MAX_SESSION_BATCH}.`,
    });
  }
  return sessionIds;
}

/** Checks a list of session ids of one read: {@link checkSessionIdList}, then `checkId` on every id. */
export function checkSessionIds(sessionIds: readonly string[]): string[] {
  return checkSessionIdList(sessionIds).map((id) => checkId('session', id));
}

/** The error of a write that would move a live session to another subject. */
export function subjectConflict(sessionId: string): InvalidInputError {
  return new InvalidInputError(`session ${sessionId} belongs to another subject and has not expired`, {
    hint: 'Use a new session id; a session id stays with its subject until the session expires or is deleted.',
  });
}
