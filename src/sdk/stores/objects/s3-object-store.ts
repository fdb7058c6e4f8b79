import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createS3Client, type S3Connection, s3Address } from '../../engines/s3.js';
import { SomaError } from '../../errors.js';
import { readAll } from './object-body.js';
import { checkObjectKey, checkObjectPrefix } from './object-keys.js';
import {
  checkLifecycleRules,
  checkPageOptions,
  checkPutOptions,
  checkVersionId,
  MAX_PAGE,
} from './object-options.js';
import { type CursorPosition, compareKeys, decodeCursor, encodeCursor } from './object-paging.js';
import type {
  DeletedVersions,
  GetObjectResult,
  LifecycleRule,
  ObjectBody,
  ObjectHead,
  ObjectStore,
  ObjectSummary,
  ObjectUsage,
  ObjectVersion,
  Page,
  PageOptions,
  PutObjectOptions,
  PutObjectResult,
  ReadObjectOptions,
  VersioningState,
} from './object-store.js';
import { fromS3LifecycleRules, toS3LifecycleRules } from './s3-lifecycle.js';
import { translateS3Error } from './s3-object-errors.js';
import { MIN_PART_BYTES, uploadObject } from './s3-upload.js';

/** Options of {@link createS3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** Streams larger than this are uploaded in parts of this size; at least 5 MiB, default 8 MiB. */
  readonly partBytes?: number;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');
const version = (versionId: string | undefined) => (versionId ? { versionId } : {});

class S3ObjectStore implements ObjectStore {
  readonly engine = 's3' as const;
  readonly address: string;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partBytes: number;

  constructor(
    private readonly connection: S3Connection,
    options: S3ObjectStoreOptions,
  ) {
    this.bucket = connection.bucket;
    this.address = `${s3Address(connection)}/${connection.bucket}`;
    this.client = createS3Client(connection);
    this.partBytes = Math.max(options.partBytes ?? 8 * 1024 * 1024, MIN_PART_BYTES);
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateS3Error(this, error, what);
    }
  }

  async ensureBucket(): Promise<void> {
    const Bucket = this.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
      return;
    } catch (error) {
      if (!(error instanceof S3ServiceException && error.$metadata?.httpStatusCode === 404)) {
        throw translateS3Error(this, error, `check bucket ${Bucket}`);
      }
    }
    const region = this.connection.region;
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket,
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
        }),
      );
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
      throw translateS3Error(this, error, `create bucket ${Bucket}`);
    }
  }

  async put(key: string, body: ObjectBody, options?: PutObjectOptions): Promise<PutObjectResult> {
    const Key = checkObjectKey(key);
    const checked = checkPutOptions(options);
    const target = {
      client: this.client,
      address: this.address,
      bucket: this.bucket,
      partBytes: this.partBytes,
    };
    return uploadObject({ ...target, key: Key }, body, checked);
  }

  async get(key: string, options: ReadObjectOptions = {}): Promise<GetObjectResult> {
    const Key = checkObjectKey(key);
    const VersionId = options.versionId === undefined ? undefined : checkVersionId(options.versionId);
    const out = await this.call(`get ${Key}`, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, VersionId })),
    );
    const body = out.Body instanceof Readable ? out.Body : Readable.from([]);
    body.on('error', () => {
      // A read error reaches the consumer through its own pipeline; without a listener it would crash.
    });
    return {
      key: Key,
      body,
      size: out.ContentLength ?? 0,
      etag: unquote(out.ETag),
      lastModified: out.LastModified ?? new Date(0),
      contentType: out.ContentType ?? 'application/octet-stream',
      metadata: out.Metadata ?? {},
      ...version(out.VersionId),
    };
  }

  async getBytes(key: string, options?: ReadObjectOptions): Promise<Buffer> {
    const { body } = await this.get(key, options);
    return this.call(`read ${key}`, () => readAll(body));
  }

  async head(key: string, options: ReadObjectOptions = {}): Promise<ObjectHead> {
    const Key = checkObjectKey(key);
    const requested = options.versionId === undefined ? undefined : checkVersionId(options.versionId);
    const out = await this.call(`head ${Key}`, () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key, VersionId: requested })),
    );
    // Tags of the version just read, so a concurrent overwrite cannot pair one version's facts with another's tags.
    const VersionId = requested ?? (out.VersionId && out.VersionId !== 'null' ? out.VersionId : undefined);
    const tagging = await this.call(`get tags of ${Key}`, () =>
      this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key, VersionId })),
    );
    return {
      key: Key,
      size: out.ContentLength ?? 0,
      etag: unquote(out.ETag),
      lastModified: out.LastModified ?? new Date(0),
      contentType: out.ContentType ?? 'application/octet-stream',
      metadata: out.Metadata ?? {},
      tags: Object.fromEntries((tagging.TagSet ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
      ...version(out.VersionId),
    };
  }

  async delete(key: string): Promise<void> {
    const Key = checkObjectKey(key);
    await this.call(`delete ${Key}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })),
    );
  }

  async list(prefix: string, options?: PageOptions): Promise<Page<ObjectSummary>> {
    const Prefix = checkObjectPrefix(prefix);
    const { cursor, limit } = checkPageOptions(options);
    const out = await this.call(`list ${Prefix}`, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: Prefix || undefined,
          MaxKeys: limit,
          ContinuationToken: cursor,
        }),
      ),
    );
    const items = (out.Contents ?? []).map((entry) => ({
      key: entry.Key ?? '',
      size: entry.Size ?? 0,
      etag: unquote(entry.ETag),
      lastModified: entry.LastModified ?? new Date(0),
    }));
    return out.IsTruncated && out.NextContinuationToken
      ? { items, cursor: out.NextContinuationToken }
      : { items };
  }

  private async deleteBatch(objects: { Key: string; VersionId?: string }[], what: string): Promise<void> {
    const out = await this.call(what, () =>
      this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects, Quiet: true } }),
      ),
    );
    const failed = out.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new SomaError(
        'OBJECT_STORE_PARTIAL_DELETE',
        `S3 at ${this.address} did not delete ${failed.length} of ${objects.length} objects (${what}); first: ` +
          `${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`.trim(),
        { retriable: true, hint: 'Retry; deletes are idempotent. Check the bucket policy if it persists.' },
      );
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const Prefix = checkObjectPrefix(prefix, { folder: true });
    let count = 0;
    let token: string | undefined;
    // Continuing with the token (rather than relisting) guarantees an end even where a listing keeps showing
    // deleted keys; the token points past the keys already handled.
    do {
      const page = await this.call(`list ${Prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix,
            MaxKeys: MAX_PAGE,
            ContinuationToken: token,
          }),
        ),
      );
      const keys = (page.Contents ?? []).map((entry) => ({ Key: entry.Key ?? '' }));
      if (keys.length > 0) await this.deleteBatch(keys, `delete under ${Prefix}`);
      count += keys.length;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return count;
  }

  private async versionPage(Prefix: string, limit: number, marker: CursorPosition) {
    const out = await this.call(`list versions under ${Prefix}`, () =>
      this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: Prefix || undefined,
          MaxKeys: limit,
          KeyMarker: marker.k,
          VersionIdMarker: marker.k === undefined ? undefined : marker.v,
        }),
      ),
    );
    const versions: ObjectVersion[] = [
      ...(out.Versions ?? []).map((entry) => ({
        key: entry.Key ?? '',
        versionId: entry.VersionId ?? 'null',
        isLatest: entry.IsLatest ?? false,
        deleteMarker: false,
        size: entry.Size ?? 0,
        etag: unquote(entry.ETag),
        lastModified: entry.LastModified ?? new Date(0),
      })),
      ...(out.DeleteMarkers ?? []).map((entry) => ({
        key: entry.Key ?? '',
        versionId: entry.VersionId ?? 'null',
        isLatest: entry.IsLatest ?? false,
        deleteMarker: true,
        size: 0,
        lastModified: entry.LastModified ?? new Date(0),
      })),
    ];
    // S3 returns versions and delete markers in two lists: merge them back into key order, newest first.
    versions.sort(
      (a, b) =>
        compareKeys(a.key, b.key) ||
        Number(b.isLatest) - Number(a.isLatest) ||
        b.lastModified.getTime() - a.lastModified.getTime(),
    );
    const next = out.IsTruncated ? { k: out.NextKeyMarker, v: out.NextVersionIdMarker } : undefined;
    return { versions, next: next?.k === undefined ? undefined : next };
  }

  async listVersions(prefix: string, options?: PageOptions): Promise<Page<ObjectVersion>> {
    const Prefix = checkObjectPrefix(prefix);
    const { cursor, limit } = checkPageOptions(options);
    const { versions, next } = await this.versionPage(Prefix, limit, cursor ? decodeCursor(cursor) : {});
    return next ? { items: versions, cursor: encodeCursor(next) } : { items: versions };
  }

  async deleteVersion(key: string, versionId: string): Promise<void> {
    const Key = checkObjectKey(key);
    const VersionId = checkVersionId(versionId);
    await this.call(`delete version ${VersionId} of ${Key}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key, VersionId })),
    );
  }

  async deleteAllVersions(prefix: string): Promise<DeletedVersions> {
    const Prefix = checkObjectPrefix(prefix, { folder: true });
    let versions = 0;
    let deleteMarkers = 0;
    // Relisting from the start after each batch: removed versions are gone for good, so this ends, and it
    // never depends on a version-id marker that was just deleted.
    for (;;) {
      const { versions: page } = await this.versionPage(Prefix, MAX_PAGE, {});
      if (page.length === 0) return { versions, deleteMarkers };
      await this.deleteBatch(
        page.map((entry) => ({ Key: entry.key, VersionId: entry.versionId })),
        `delete versions under ${Prefix}`,
      );
      for (const entry of page) {
        if (entry.deleteMarker) deleteMarkers += 1;
        else versions += 1;
      }
    }
  }

  async getLifecycle(): Promise<LifecycleRule[]> {
    try {
      const out = await this.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket }));
      return fromS3LifecycleRules(out.Rules ?? []);
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchLifecycleConfiguration') return [];
      throw translateS3Error(this, error, 'get lifecycle');
    }
  }

  async putLifecycle(rules: readonly LifecycleRule[]): Promise<void> {
    const checked = checkLifecycleRules(rules);
    const Bucket = this.bucket;
    // S3 rejects an empty rule list: removing every rule is a separate call.
    if (checked.length === 0) {
      await this.call('delete lifecycle', () =>
        this.client.send(new DeleteBucketLifecycleCommand({ Bucket })),
      );
      return;
    }
    await this.call('put lifecycle', () =>
      this.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: { Rules: toS3LifecycleRules(checked) },
        }),
      ),
    );
  }

  async getVersioning(): Promise<VersioningState> {
    const out = await this.call('get versioning', () =>
      this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket })),
    );
    if (out.Status === 'Enabled') return 'enabled';
    return out.Status === 'Suspended' ? 'suspended' : 'disabled';
  }

  async setVersioning(enabled: boolean): Promise<void> {
    await this.call('set versioning', () =>
      this.client.send(
        new PutBucketVersioningCommand({
          Bucket: this.bucket,
          VersioningConfiguration: { Status: enabled ? 'Enabled' : 'Suspended' },
        }),
      ),
    );
  }

  async usage(prefix = ''): Promise<ObjectUsage> {
    let cursor: string | undefined;
    let objects = 0;
    let bytes = 0;
    do {
      const page = await this.list(prefix, cursor === undefined ? {} : { cursor });
      objects += page.items.length;
      for (const item of page.items) bytes += item.size;
      cursor = page.cursor;
    } while (cursor);
    return { objects, bytes };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/**
 * The ObjectStore on S3 or an S3-compatible server (custom endpoint, path-style addressing), with the
 * connection's timeouts: a down endpoint gives a retriable UnavailableError naming `endpoint/bucket`.
 * The bucket is not created here: call `ensureBucket()` (or create it with your infrastructure tooling).
 */
export function createS3ObjectStore(
  connection: S3Connection,
  options: S3ObjectStoreOptions = {},
): ObjectStore {
  return new S3ObjectStore(connection, options);
}
