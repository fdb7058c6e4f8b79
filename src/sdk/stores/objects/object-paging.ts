import { InvalidInputError } from '../../errors.js';

/** Position of a listing: the last key (`k`) and, for versions, its write order (`s`) and version id (`v`). */
export interface CursorPosition {
  readonly k?: string;
  readonly s?: number;
  readonly v?: string;
}

/** Orders keys as S3 lists them: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** An opaque cursor for a listing position. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position of a cursor made by {@link encodeCursor}; InvalidInputError for anything else. */
export function decodeCursor(cursor: string): CursorPosition {
  let value: { k?: unknown; s?: unknown; v?: unknown };
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidInputError('page cursor is invalid', {
      cause: error,
      hint: 'Pass the cursor unchanged.',
    });
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    (value.k !== undefined && typeof value.k !== 'string') ||
    (value.s !== undefined && typeof value.s !== 'number') ||
    (value.v !== undefined && typeof value.v !== 'string')
  ) {
    throw new InvalidInputError('page cursor is invalid', {
      hint: 'Pass the cursor of the previous page unchanged.',
    });
  }
  return value as CursorPosition;
}
