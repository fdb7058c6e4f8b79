import { createHash } from 'node:crypto';
import { encodeSegment } from '../../stores/ids.js';
import { subjectKey } from '../../stores/objects/object-keys.js';
import type { ObjectStore } from '../../stores/objects/object-store.js';
import type { ToolArtifactRef, ToolCallRequest } from './tool-types.js';

/** Characters of an artifact's JSON kept inline as its preview. */
export const PREVIEW_CHARS = 1024;

/**
 * The key of an artifact of `call`: `tenants/{t}/subjects/{s}/artifacts/{conversation}/{path}`, ids encoded
 * as single segments, so erasure of the person (by subject prefix) removes it.
 */
export function artifactKey(call: ToolCallRequest, path: string): string {
  return subjectKey(call.tenant, call.subject, 'artifacts', encodeSegment(call.conversationId), path);
}

/** The key of a call's large output: `…/artifacts/{conversation}/{callId}.json`. */
export function outputArtifactKey(call: ToolCallRequest): string {
  return artifactKey(call, `${encodeSegment(call.callId)}.json`);
}

/** `s3://{bucket}/{key}` on S3; `objectstore:{key}` on the filesystem store. */
export function artifactUri(objects: ObjectStore, key: string): string {
  if (objects.engine === 's3') {
    const bucket = objects.address.slice(objects.address.lastIndexOf('/') + 1);
    return `s3://${bucket}/${key}`;
  }
  return `objectstore:${key}`;
}

/** Stores `body` at `key` and describes it. Store failures propagate (they are outages, not tool errors). */
export async function putArtifact(
  objects: ObjectStore,
  key: string,
  body: Buffer,
  contentType: string,
  metadata: Record<string, string>,
): Promise<ToolArtifactRef> {
  const stored = await objects.put(key, body, { contentType, metadata });
  return {
    key,
    size: stored.size,
    contentType,
    sha256: createHash('sha256').update(body).digest('hex'),
    uri: artifactUri(objects, key),
  };
}

/** The inline stand-in of an output kept as an artifact: its size and first characters. */
export function artifactPreview(
  json: string,
  bytes: number,
): { truncated: true; bytes: number; preview: string } {
  let end = Math.min(json.length, PREVIEW_CHARS);
  const last = json.charCodeAt(end - 1);
  if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  return { truncated: true, bytes, preview: json.slice(0, end) };
}
