import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiKeySecretMatches,
  bearerToken,
  generateApiKey,
  hashApiKeySecret,
  isApiKeyId,
  parseApiKey,
} from '../../src/sdk/auth/api-key-format.js';
import { createRedactor, redactValue } from '../../src/sdk/events/redaction/index.js';

describe('API key format', () => {
  it('generates soma_<16 hex>_<43 base64url> keys that parse back to their id and secret', () => {
    for (let i = 0; i < 200; i++) {
      const generated = generateApiKey();
      expect(generated.key).toMatch(/^soma_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(isApiKeyId(generated.keyId)).toBe(true);
      const parsed = parseApiKey(generated.key);
      expect(parsed?.keyId).toBe(generated.keyId);
      expect(parsed?.secret.equals(generated.secret)).toBe(true);
      expect(generated.secretHash.equals(createHash('sha256').update(generated.secret).digest())).toBe(true);
    }
  });

  it('parses a secret holding underscores and dashes: the id has a fixed length', () => {
    const secret = Buffer.alloc(32, 0xff);
    const key = `soma_00000000000000ff_${secret.toString('base64url')}`;
    expect(key).toContain('__');
    expect(parseApiKey(key)).toEqual({ keyId: '00000000000000ff', secret });
  });

  it('refuses anything else without throwing', () => {
    const good = generateApiKey().key;
    for (const bad of [
      undefined,
      null,
      42,
      '',
      'soma_',
      good.slice(0, -1),
      `${good}x`,
      good.toUpperCase(),
      good.replace('soma_', 'soma-'),
      `${good.slice(0, 21)}.${good.slice(22)}`,
      `${good} ${good}`,
      'x'.repeat(100_000),
      // Same bytes, non-canonical last character (its 2 spare bits set): each key has one spelling.
      `${good.slice(0, -1)}${String.fromCharCode((good.at(-1) as string).charCodeAt(0) + 1)}`,
    ]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });

  it('compares digests: the right secret matches, any other does not', () => {
    const { secret, secretHash } = generateApiKey();
    expect(apiKeySecretMatches(secret, secretHash)).toBe(true);
    const other = Buffer.from(secret);
    other[31] = (other[31] as number) ^ 0x80;
    expect(apiKeySecretMatches(other, secretHash)).toBe(false);
    expect(apiKeySecretMatches(secret, hashApiKeySecret(other))).toBe(false);
    expect(apiKeySecretMatches(secret, secretHash.subarray(0, 16))).toBe(false);
  });

  it('reads the credential of a Bearer header only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken(['Bearer first', 'Bearer second'])).toBe('first');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'abc']) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});

describe('API keys never reach events or logs in clear', () => {
  const redactor = createRedactor();

  it('the redactor replaces every generated key, bare, quoted, in JSON, after Bearer or cut short', () => {
    for (let i = 0; i < 200; i++) {
      const { key } = generateApiKey();
      for (const text of [
        key,
        `use ${key} to log in`,
        `"apiKey":"${key}"`,
        `Authorization: Bearer ${key}`,
        `?key=${key}&x=1`,
        `#key=${key}`,
        `key (truncated): ${key.slice(0, 40)}`,
      ]) {
        const redacted = redactor.redact(text).text;
        expect(redacted).toContain('[SECRET]');
        expect(redacted).not.toContain(key.slice(22, 38));
      }
    }
  });

  it('redacts a key inside an event payload field', () => {
    const { key } = generateApiKey();
    const result = redactValue(
      redactor,
      { event_id: 'e1', text: `my key is ${key}` },
      { keep: ['event_id'] },
    );
    expect(JSON.stringify(result.value)).not.toContain(key);
    expect(result.value).toMatchObject({ event_id: 'e1', text: 'my key is [SECRET]' });
  });
});
