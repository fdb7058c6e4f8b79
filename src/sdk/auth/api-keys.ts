import type {
  ApiKeyCheck,
  ApiKeyFailureReason,
  ApiKeyFilter,
  ApiKeyInfo,
  ApiKeyPrincipal,
  ApiKeys,
  CreatedApiKey,
  NewApiKey,
  RevokedApiKey,
  TenantScope,
} from '../stores/records/api-keys.js';
import type { Records } from '../stores/records/records.js';
import { SqlApiKeys } from '../stores/records/sql-api-keys.js';
import type { SqlClient } from '../stores/sql/sql-client.js';

/**
 * Where the API key functions find the keys: the records (`records.apiKeys`), the port itself, or a SQL
 * session on a migrated records database.
 */
export type ApiKeySource = Pick<Records, 'apiKeys'> | ApiKeys | SqlClient;

function keysOf(source: ApiKeySource): ApiKeys {
  if ('apiKeys' in source) return source.apiKeys;
  if ('verify' in source) return source;
  return new SqlApiKeys(source);
}

/** Who is acting, for the audit log. */
export interface ApiKeyActor {
  /** Operator or service id written as the audit entry's actor; `system` when omitted. */
  readonly actor?: string;
}

function isRecords(source: ApiKeySource): source is Records {
  return 'apiKeys' in source && 'audit' in source && 'transaction' in source;
}

/**
 * Creates an API key for `tenant`/`subject`. The answer holds the plaintext `key` (`soma_<keyId>_<secret>`):
 * show it once, it is stored only as a SHA-256 digest. Given the records, the audit entry
 * `api_key.create` is written in the same transaction. Malformed input is an `InvalidInputError`.
 */
export async function createApiKey(
  source: ApiKeySource,
  input: NewApiKey,
  options: ApiKeyActor = {},
): Promise<CreatedApiKey> {
  if (!isRecords(source)) return keysOf(source).create(input);
  return source.transaction(async (records) => {
    const created = await records.apiKeys.create(input);
    await audit(records, created, 'api_key.create', options);
    return created;
  });
}

async function audit(records: Records, key: ApiKeyInfo, action: string, options: ApiKeyActor): Promise<void> {
  await records.audit.append({
    tenant: key.tenant,
    subject: key.subject,
    actor: options.actor ?? 'system',
    action,
    resource: `api_key:${key.keyId}`,
    details: { admin: key.admin, expiresAt: key.expiresAt?.toISOString() ?? null },
  });
}

/**
 * Checks a presented key and says why it was refused (`malformed`, `unknown`, `mismatch`, `revoked`,
 * `expired`). Log the reason; answer every refusal the same way (401) so a client learns nothing from it.
 */
export function verifyApiKey(source: ApiKeySource, presented: string): Promise<ApiKeyCheck> {
  return keysOf(source).verify(presented);
}

/** Options of {@link authenticateApiKey}. */
export interface AuthenticateOptions {
  /** Told why a key was refused (for the server log); the caller still only sees null. */
  readonly onRefused?: (reason: ApiKeyFailureReason, keyId: string | undefined) => void;
}

/**
 * Who a presented key acts as (`{keyId, tenant, subject, admin}`), or null when it is malformed, unknown,
 * wrong, revoked or expired. Only an unreachable store is an error (`UnavailableError`, retriable).
 */
export async function authenticateApiKey(
  source: ApiKeySource,
  presented: string,
  options: AuthenticateOptions = {},
): Promise<ApiKeyPrincipal | null> {
  const check = await keysOf(source).verify(presented);
  if (check.ok) return check.principal;
  options.onRefused?.(check.reason, check.keyId);
  return null;
}

/** Keys (never their secrets), of one tenant when `filter.tenant` is given, else of every tenant. */
export function listApiKeys(source: ApiKeySource, filter: ApiKeyFilter = {}): Promise<ApiKeyInfo[]> {
  return keysOf(source).list(filter);
}

/**
 * Revokes a key by id (a whole key is accepted too: its id is used); it stops authenticating at once.
 * Idempotent. Undefined when there is no such key, or when `scope.tenant` is given and the key belongs to
 * another tenant. Given the records, a new revocation writes the audit entry `api_key.revoke`.
 */
export async function revokeApiKey(
  source: ApiKeySource,
  keyId: string,
  scope: TenantScope & ApiKeyActor = {},
): Promise<RevokedApiKey | undefined> {
  if (!isRecords(source)) return keysOf(source).revoke(keyId, scope);
  return source.transaction(async (records) => {
    const revoked = await records.apiKeys.revoke(keyId, scope);
    if (revoked && !revoked.alreadyRevoked) await audit(records, revoked, 'api_key.revoke', scope);
    return revoked;
  });
}

/** Who the bootstrap key acts as; defaults `default` / `local`. */
export interface BootstrapKeyOptions {
  readonly tenant?: string;
  readonly subject?: string;
  readonly label?: string;
}

/**
 * The first key of a fresh installation: when no usable key (not revoked, not expired) exists in any
 * tenant, creates an admin key for `tenant`/`subject` and returns it (print it once beside the server's
 * URL); otherwise returns null. Atomic: processes starting together create at most one. Given the
 * records, the audit entry `api_key.bootstrap` is written with it.
 */
export async function ensureBootstrapKey(
  source: ApiKeySource,
  options: BootstrapKeyOptions = {},
): Promise<CreatedApiKey | null> {
  const input = {
    tenant: options.tenant ?? 'default',
    subject: options.subject ?? 'local',
    admin: true,
    label: options.label ?? 'bootstrap',
  };
  if (!isRecords(source)) return (await keysOf(source).createIfNoneUsable(input)) ?? null;
  return source.transaction(async (records) => {
    const created = await records.apiKeys.createIfNoneUsable(input);
    if (created) await audit(records, created, 'api_key.bootstrap', {});
    return created ?? null;
  });
}
