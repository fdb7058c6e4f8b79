import { InvalidInputError } from '../../errors.js';
import { hasControlCharacter } from './object-keys.js';
import type { LifecycleRule, PageOptions, PutObjectOptions } from './object-store.js';

/** Content type stored when a put names none. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Largest page of a listing (the S3 maximum). */
export const MAX_PAGE = 1000;

const METADATA_KEY = /^[a-z0-9][a-z0-9_-]{0,127}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const TAG_TEXT = /^[\p{L}\p{N} +\-=._:/@]*$/u;

/** A put's options, checked and completed: the same limits on every adapter (S3's). */
export interface CheckedPutOptions {
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

function bad(message: string, hint: string): InvalidInputError {
  return new InvalidInputError(message, { hint });
}

function record(what: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`object ${what} must be a record of strings`, `Pass ${what} as { name: 'value' }.`);
  }
  const entries = Object.entries(value);
  for (const [name, text] of entries) {
    if (typeof text !== 'string') {
      throw bad(`object ${what} ${JSON.stringify(name)} is not a string`, `Convert ${what} values to text.`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Checks metadata, tags and content type against S3's limits, so every adapter accepts the same puts. */
export function checkPutOptions(options: PutObjectOptions = {}): CheckedPutOptions {
  const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
  if (typeof contentType !== 'string' || !/^[\x21-\x7e][\x20-\x7e]{0,254}$/.test(contentType)) {
    throw bad('object content type must be printable ASCII', 'Pass a MIME type such as "application/json".');
  }
  const metadata = record('metadata', options.metadata);
  let metadataBytes = 0;
  for (const [name, text] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(name)) {
      throw bad(
        `object metadata key ${JSON.stringify(name)} is invalid`,
        'Use lowercase ASCII letters, digits, "-" and "_" (S3 lowercases metadata names).',
      );
    }
    if (!PRINTABLE_ASCII.test(text)) {
      throw bad(`object metadata ${JSON.stringify(name)} is not printable ASCII`, 'Encode the value first.');
    }
    metadataBytes += name.length + text.length;
  }
  if (metadataBytes > 2048) throw bad('object metadata exceeds 2 KiB', 'Store large values in the object.');
  const tags = record('tags', options.tags);
  const names = Object.keys(tags);
  if (names.length > 10) throw bad('an object has at most 10 tags', 'Drop tags or move them to metadata.');
  for (const [name, text] of Object.entries(tags)) {
    if (name.length === 0 || name.length > 128 || !TAG_TEXT.test(name) || name.startsWith('aws:')) {
      throw bad(
        `object tag key ${JSON.stringify(name)} is invalid`,
        'Tag keys are 1-128 letters, digits, spaces or "+ - = . _ : / @", not starting with "aws:".',
      );
    }
    if (text.length > 256 || !TAG_TEXT.test(text)) {
      throw bad(
        `object tag ${JSON.stringify(name)} has an invalid value`,
        'Tag values are 0-256 letters, digits, spaces or "+ - = . _ : / @".',
      );
    }
  }
  return { contentType, metadata, tags };
}

/** Checks a version id: non-empty text without control characters, at most 1024 characters. */
export function checkVersionId(versionId: unknown): string {
  if (
    typeof versionId !== 'string' ||
    versionId === '' ||
    versionId.length > 1024 ||
    hasControlCharacter(versionId)
  ) {
    throw bad('object version id must be non-empty text', 'Pass a versionId from listVersions.');
  }
  return versionId;
}

/** Checks a page size (1–1000, default 1000) and cursor. */
export function checkPageOptions(options: PageOptions = {}): { cursor: string | undefined; limit: number } {
  const limit = options.limit ?? MAX_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw bad(`page limit must be an integer from 1 to ${MAX_PAGE}, got ${limit}`, 'Pass a smaller limit.');
  }
  const cursor = options.cursor === '' ? undefined : options.cursor;
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > 4096)) {
    throw bad('page cursor is invalid', 'Pass the cursor of the previous page unchanged.');
  }
  return { cursor, limit };
}

function checkDays(rule: string, name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 36_500) {
    throw bad(
      `lifecycle rule ${rule}: ${name} must be a whole number of days from 1 to 36500`,
      'Fix the rule.',
    );
  }
}

/**
 * Checks lifecycle rules: unique ids of 1–255 characters, a prefix as text (`''` for all), `enabled`
 * boolean, at least one action, positive whole days. Returns the rules without `unmodelled`.
 */
export function checkLifecycleRules(rules: readonly LifecycleRule[]): LifecycleRule[] {
  if (!Array.isArray(rules)) throw bad('lifecycle rules must be an array', 'Pass [] to remove all rules.');
  if (rules.length > 1000) throw bad('at most 1000 lifecycle rules', 'Merge rules by prefix.');
  const ids = new Set<string>();
  return rules.map((rule, index) => {
    const id = rule?.id;
    if (typeof id !== 'string' || id.trim() === '' || id.length > 255 || hasControlCharacter(id)) {
      throw bad(`lifecycle rule #${index + 1} needs an id of 1-255 characters`, 'Name each rule.');
    }
    if (ids.has(id)) throw bad(`lifecycle rule id ${JSON.stringify(id)} is used twice`, 'Make ids unique.');
    ids.add(id);
    if (typeof rule.prefix !== 'string' || hasControlCharacter(rule.prefix) || rule.prefix.length > 1024) {
      throw bad(`lifecycle rule ${id}: prefix must be text ('' for all objects)`, 'Fix the rule.');
    }
    if (typeof rule.enabled !== 'boolean') {
      throw bad(`lifecycle rule ${id}: enabled must be true or false`, 'Fix the rule.');
    }
    checkDays(id, 'expirationDays', rule.expirationDays);
    checkDays(id, 'noncurrentVersionExpirationDays', rule.noncurrentVersionExpirationDays);
    checkDays(id, 'abortIncompleteMultipartDays', rule.abortIncompleteMultipartDays);
    const actions = [
      rule.expirationDays,
      rule.noncurrentVersionExpirationDays,
      rule.abortIncompleteMultipartDays,
    ];
    if (actions.every((days) => days === undefined)) {
      throw bad(`lifecycle rule ${id} has no action`, 'Set expirationDays or another *Days field.');
    }
    return {
      id,
      prefix: rule.prefix,
      enabled: rule.enabled,
      ...(rule.expirationDays !== undefined ? { expirationDays: rule.expirationDays } : {}),
      ...(rule.noncurrentVersionExpirationDays !== undefined
        ? { noncurrentVersionExpirationDays: rule.noncurrentVersionExpirationDays }
        : {}),
      ...(rule.abortIncompleteMultipartDays !== undefined
        ? { abortIncompleteMultipartDays: rule.abortIncompleteMultipartDays }
        : {}),
    };
  });
}
