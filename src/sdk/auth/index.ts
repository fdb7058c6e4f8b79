/**
 * API keys of the gateway: `Authorization: Bearer soma_<keyId>_<secret>`, stored hashed, scoped to a
 * tenant and a subject, listed without secrets and revocable.
 */

export type * from '../stores/records/api-keys.js';
export {
  API_KEY_PREFIX,
  API_KEY_SECRET_BYTES,
  bearerToken,
  isApiKeyId,
  parseApiKey,
} from './api-key-format.js';
export { type ApiKeyJson, apiKeyJson } from './api-key-json.js';
export {
  type ApiKeyActor,
  type ApiKeySource,
  type AuthenticateOptions,
  authenticateApiKey,
  type BootstrapKeyOptions,
  createApiKey,
  ensureBootstrapKey,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
} from './api-keys.js';
