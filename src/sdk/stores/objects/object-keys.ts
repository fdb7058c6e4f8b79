import { InvalidInputError } from '../../errors.js';
import { checkId, encodeSegment } from '../ids.js';

/** Largest object key in UTF-8 bytes (the S3 limit). */
export const MAX_KEY_BYTES = 1024;

/** Prefix of every object that belongs to a person: `tenants/{tenant}/subjects/{subject}/…`. */
export const TENANTS_PREFIX = 'tenants/';

/** Prefix of objects that belong to no person (backups, exports): `system/…`. */
export const SYSTEM_PREFIX = 'system/';

/** True when `text` holds a C0 or C1 control character, DEL, or a Unicode line/paragraph separator (as ids.ts). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return true;
  }
  return false;
}

function invalid(what: string, problem: string, hint: string): InvalidInputError {
  return new InvalidInputError(`object ${what} ${problem}`, { hint });
}

function checkText(what: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(what, 'must be a string', `Pass the object ${what} as text.`);
  if (Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) {
    throw invalid(what, `is longer than ${MAX_KEY_BYTES} bytes`, `Use at most ${MAX_KEY_BYTES} UTF-8 bytes.`);
  }
  if (hasControlCharacter(value)) {
    throw invalid(what, 'contains a control character', 'Remove newlines, tabs, NUL… from the key.');
  }
  if (value.startsWith('/')) {
    throw invalid(what, `must not start with "/": ${JSON.stringify(value)}`, 'Use a relative key.');
  }
  return value;
}

function checkSegments(what: string, value: string, segments: readonly string[]): void {
  for (const segment of segments) {
    if (segment === '') {
      throw invalid(what, `has an empty path segment: ${JSON.stringify(value)}`, 'Remove the doubled "/".');
    }
    if (segment === '.' || segment === '..') {
      throw invalid(
        what,
        `has a "${segment}" path segment: ${JSON.stringify(value)}`,
        'Keys are literal paths: remove "." and ".." segments.',
      );
    }
  }
}

/**
 * Checks an object key at the port boundary and returns it unchanged: non-empty, at most
 * {@link MAX_KEY_BYTES} UTF-8 bytes, no control characters, no leading `/`, no empty, `.` or `..` segment
 * (so a trailing `/` is rejected too). Every adapter enforces the same rules, so a key that works on the
 * filesystem works on S3 and no key can name a path outside the store.
 */
export function checkObjectKey(key: unknown): string {
  const text = checkText('key', key);
  if (text === '') throw invalid('key', 'is empty', 'Pass a non-empty key such as "system/backups/x".');
  checkSegments('key', text, text.split('/'));
  return text;
}

/**
 * Checks a listing prefix: like a key, but it may be `''` (everything) and its last segment may be partial
 * or empty (`a/b/` or `a/b`). Prefixes are literal: pattern characters match only themselves.
 * With `folder`, the prefix must also be non-empty and end with `/`, as destructive operations require, so
 * `…/alice` can never sweep up `…/alice2`.
 */
export function checkObjectPrefix(prefix: unknown, options: { folder?: boolean } = {}): string {
  const text = checkText('prefix', prefix);
  if (options.folder && (text === '' || !text.endsWith('/'))) {
    throw invalid(
      'prefix',
      `must be a non-empty folder prefix ending with "/": ${JSON.stringify(text)}`,
      'Pass a prefix such as subjectPrefix(tenant, subject) so look-alike ids are never matched.',
    );
  }
  if (text === '') return text;
  const segments = text.split('/');
  const last = segments.pop() ?? '';
  checkSegments('prefix', text, segments);
  if (last === '.' || last === '..') checkSegments('prefix', text, [last]);
  return text;
}

/** `tenants/{tenant}/`, with the tenant id checked and encoded as one segment. */
export function tenantPrefix(tenant: string): string {
  return `${TENANTS_PREFIX}${encodeSegment(checkId('tenant', tenant))}/`;
}

/**
 * `tenants/{tenant}/subjects/{subject}/`: the one prefix under which a person's objects live. Both ids are
 * checked and encoded with `encodeSegment`, so the prefix always ends with `/` right after an encoded
 * segment and `alice/x`, `alice*` or `alice2` can never share it with `alice`.
 */
export function subjectPrefix(tenant: string, subject: string): string {
  return `${tenantPrefix(tenant)}subjects/${encodeSegment(checkId('subject', subject))}/`;
}

function joinPath(prefix: string, path: readonly string[]): string {
  if (path.length === 0) {
    throw invalid(
      'key',
      'needs a path after its prefix',
      'Pass at least one path part, e.g. "artifact.bin".',
    );
  }
  return checkObjectKey(`${prefix}${path.join('/')}`);
}

/**
 * The key of a person's object: `subjectPrefix(tenant, subject)` followed by `path` joined with `/` (parts
 * may contain `/` themselves). The whole key is checked with {@link checkObjectKey}.
 */
export function subjectKey(tenant: string, subject: string, ...path: string[]): string {
  return joinPath(subjectPrefix(tenant, subject), path);
}

/** The key of an object that belongs to no person: `system/` followed by `path` joined with `/`. */
export function systemKey(...path: string[]): string {
  return joinPath(SYSTEM_PREFIX, path);
}
