import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../errors.js';
import { fixedParts, SourceFailure, sourceChunks } from './object-body.js';
import type { CheckedPutOptions } from './object-options.js';
import type { ObjectBody, PutObjectResult } from './object-store.js';
import { type S3Place, translateS3Error } from './s3-object-errors.js';

/** Smallest part S3 accepts (every part but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** Largest number of parts of one multipart upload. */
const MAX_PARTS = 10_000;

/** Where and how to upload. */
export interface UploadTarget extends S3Place {
  readonly client: S3Client;
  readonly key: string;
  /** Bodies up to this size go in one PutObject; larger ones in parts of this size. */
  readonly partBytes: number;
}

function tagging(tags: Readonly<Record<string, string>>): string | undefined {
  const pairs = Object.entries(tags).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return pairs.length > 0 ? pairs.join('&') : undefined;
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/**
 * Uploads a body of any form: up to `partBytes` in one PutObject (S3 needs a known length, so at most one
 * part is held in memory), more as a multipart upload of `partBytes` parts, aborted when anything fails so no
 * invisible parts are left billed in the bucket. Errors of the caller's stream pass through unchanged.
 */
export async function uploadObject(
  target: UploadTarget,
  body: ObjectBody,
  options: CheckedPutOptions,
): Promise<PutObjectResult> {
  const { client, bucket: Bucket, key: Key } = target;
  const common = {
    Bucket,
    Key,
    ContentType: options.contentType,
    Metadata: { ...options.metadata },
    Tagging: tagging(options.tags),
  };
  const parts = fixedParts(sourceChunks(body), target.partBytes);
  const first = await nextPart(parts);
  const second = first.done ? first : await nextPart(parts);
  if (second.done) {
    const bytes = first.done ? Buffer.alloc(0) : first.value;
    try {
      const out = await client.send(
        new PutObjectCommand({ ...common, Body: bytes, ContentLength: bytes.length }),
      );
      return { key: Key, etag: unquote(out.ETag), size: bytes.length, ...versionOf(out.VersionId) };
    } catch (error) {
      throw translateS3Error(target, error, `put ${Key}`);
    }
  }

  let uploadId: string | undefined;
  try {
    const created = await client.send(new CreateMultipartUploadCommand(common));
    uploadId = created.UploadId;
    const done: CompletedPart[] = [];
    let size = 0;
    const send = async (bytes: Buffer) => {
      const PartNumber = done.length + 1;
      if (PartNumber > MAX_PARTS) {
        throw new InvalidInputError(`object ${Key} needs more than ${MAX_PARTS} parts`, {
          hint: 'Raise the S3 part size of the object store.',
        });
      }
      const out = await client.send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId: uploadId,
          PartNumber,
          Body: bytes,
          ContentLength: bytes.length,
        }),
      );
      done.push({ PartNumber, ETag: out.ETag });
      size += bytes.length;
    };
    await send(first.value as Buffer);
    await send(second.value);
    for await (const part of parts) await send(part);
    const out = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: done },
      }),
    );
    return { key: Key, etag: unquote(out.ETag), size, ...versionOf(out.VersionId) };
  } catch (error) {
    if (uploadId !== undefined) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => {
        // The abort is best effort: a lifecycle rule (abortIncompleteMultipartDays) reaps what it misses.
      });
    }
    if (error instanceof SourceFailure) throw error.error;
    throw translateS3Error(target, error, `put ${Key}`);
  }
}

async function nextPart(parts: AsyncGenerator<Buffer>): Promise<IteratorResult<Buffer>> {
  try {
    return await parts.next();
  } catch (error) {
    throw error instanceof SourceFailure ? error.error : error;
  }
}

function versionOf(versionId: string | undefined): { versionId?: string } {
  return versionId ? { versionId } : {};
}
