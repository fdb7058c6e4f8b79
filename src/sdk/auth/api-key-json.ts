import type { ApiKeyInfo } from '../stores/records/api-keys.js';

/** An API key as JSON (`keys list --json`, admin APIs): times as ISO 8601 text, never the secret. */
export interface ApiKeyJson {
  readonly keyId: string;
  readonly tenant: string;
  readonly subject: string;
  readonly label: string | null;
  readonly admin: boolean;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly expiresAt: string | null;
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** The JSON form of a key: exactly the fields of {@link ApiKeyJson}, whatever else `info` carries. */
export function apiKeyJson(info: ApiKeyInfo): ApiKeyJson {
  return {
    keyId: info.keyId,
    tenant: info.tenant,
    subject: info.subject,
    label: info.label,
    admin: info.admin,
    createdAt: info.createdAt.toISOString(),
    lastUsedAt: iso(info.lastUsedAt),
    revokedAt: iso(info.revokedAt),
    expiresAt: iso(info.expiresAt),
  };
}
