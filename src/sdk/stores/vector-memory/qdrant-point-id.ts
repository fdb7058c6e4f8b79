import { createHash } from 'node:crypto';

// Fixed namespace of somaagent memory point ids (a random UUID chosen once; changing it orphans every point).
const NAMESPACE = Buffer.from('6f1c2a9e4b7d4e0f9a3c5d8e1f2b7a40', 'hex');

/**
 * The Qdrant point id of record `id` of `tenant`: a name-based UUID (version 5, SHA-1) of `tenant NUL id`.
 * Qdrant only accepts UUIDs or unsigned integers as point ids; this keeps the mapping deterministic (an upsert
 * of the same record overwrites its point) and per tenant (two tenants' record `a` are two points). Ids cannot
 * contain NUL (checkId), so the name is unambiguous. The original id is kept in the payload.
 */
export function qdrantPointId(tenant: string, id: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${tenant}\u0000${id}`, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
