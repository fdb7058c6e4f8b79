import { DecodeError } from './decode-error.js';

/** Marker of Avro single-object encoding: bytes C3 01. */
export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
/** Magic byte of the Confluent wire format. */
export const CONFLUENT_MAGIC = 0;

const SINGLE_OBJECT_HEADER = 10;
const CONFLUENT_HEADER = 5;

/** How a message is framed. */
export type Framing = 'single-object' | 'confluent';

/** A message header read by {@link readFrame}. */
export type Frame =
  | { readonly framing: 'single-object'; readonly fingerprint: Buffer; readonly body: Buffer }
  | { readonly framing: 'confluent'; readonly schemaId: number; readonly body: Buffer };

/** Single-object encoding: C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint, then the body. */
export function frameSingleObject(fingerprint: Buffer, body: Buffer): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MARKER, fingerprint, body]);
}

/** Confluent wire format: magic byte 0, the 4-byte big-endian schema id, then the body. */
export function frameConfluent(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER);
  header.writeUInt8(CONFLUENT_MAGIC, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/**
 * Reads the framing header of a message, telling the two framings apart by their first byte. Throws a
 * {@link DecodeError} (`too-short`, `unknown-framing`) when neither fits.
 */
export function readFrame(bytes: Uint8Array): Frame {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === SINGLE_OBJECT_MARKER[0] && buffer[1] === SINGLE_OBJECT_MARKER[1]) {
    if (buffer.length < SINGLE_OBJECT_HEADER) {
      throw new DecodeError(
        'too-short',
        `message of ${buffer.length} bytes is shorter than a single-object header (10 bytes)`,
      );
    }
    return {
      framing: 'single-object',
      fingerprint: Buffer.from(buffer.subarray(2, SINGLE_OBJECT_HEADER)),
      body: buffer.subarray(SINGLE_OBJECT_HEADER),
    };
  }
  if (buffer[0] === CONFLUENT_MAGIC && buffer.length > 0) {
    if (buffer.length < CONFLUENT_HEADER) {
      throw new DecodeError(
        'too-short',
        `message of ${buffer.length} bytes is shorter than a Confluent header (5 bytes)`,
      );
    }
    return {
      framing: 'confluent',
      schemaId: buffer.readUInt32BE(1),
      body: buffer.subarray(CONFLUENT_HEADER),
    };
  }
  if (buffer.length < 2) {
    throw new DecodeError('too-short', `message of ${buffer.length} bytes has no framing header`);
  }
  throw new DecodeError(
    'unknown-framing',
    `message starts with ${buffer.subarray(0, 2).toString('hex')}: neither Avro single-object (c301) nor Confluent (00) framing`,
  );
}
