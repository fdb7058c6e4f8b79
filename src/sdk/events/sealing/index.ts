/** Crypto-shredding of event fields: seal with the subject's key, which erasure destroys. */
export {
  MAX_SEALED_BYTES,
  SEAL_NONCE_BYTES,
  SEAL_TAG_BYTES,
  sealAad,
  sealFields,
  subjectRefOf,
} from './seal-fields.js';
export { SealedPayloadError, type UnsealResult, unsealFields } from './unseal-fields.js';
