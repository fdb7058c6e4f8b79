import { InvalidInputError } from '../errors.js';

/** Largest id in UTF-8 bytes. */
export const MAX_ID_BYTES = 256;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Checks a tenant, subject or key id at a port boundary: non-empty, not only whitespace, at most
 * {@link MAX_ID_BYTES} UTF-8 bytes, no control characters. Returns the id unchanged (ids are exact:
 * `Alice` and `alice` are different subjects). Pattern characters are allowed in ids; every adapter
 * escapes them so they never widen a SCAN/KEYS pattern, a LIKE or a prefix listing.
 */
export function checkId(kind: string, id: unknown): string {
  if (typeof id !== 'string') {
    throw new InvalidInputError(`${kind} id must be a string, got ${id === null ? 'null' : typeof id}`, {
      hint: `Pass a non-empty ${kind} id.`,
    });
  }
  if (id.trim() === '') {
    throw new InvalidInputError(`${kind} id is empty or whitespace`, {
      hint: `Pass a non-empty ${kind} id.`,
    });
  }
  // A UTF-16 unit takes at most 3 UTF-8 bytes, so short ids skip the byte count.
  if (id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) {
    throw new InvalidInputError(`${kind} id is longer than ${MAX_ID_BYTES} bytes`, {
      hint: `Use a ${kind} id of at most ${MAX_ID_BYTES} UTF-8 bytes.`,
    });
  }
  if (CONTROL.test(id)) {
    throw new InvalidInputError(`${kind} id contains a control character`, {
      hint: `Remove control characters (newlines, tabs, NUL…) from the ${kind} id.`,
    });
  }
  return id;
}

/** Escapes `%`, `_` and `\` for a SQL `LIKE … ESCAPE '\'` pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Escapes Redis glob characters (`* ? [ ] \`) so a SCAN MATCH pattern matches them literally. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[\\*?[\]^]/g, (c) => `\\${c}`);
}

/**
 * Encodes an id as one safe path or key segment: unreserved characters stay, everything else (including
 * `/`, `*`, `%`, `.` runs) is percent-encoded, so `alice/x` can never become a prefix of `alice`'s data and
 * `..` can never climb out of a directory.
 */
export function encodeSegment(id: string): string {
  const encoded = encodeURIComponent(id).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}
