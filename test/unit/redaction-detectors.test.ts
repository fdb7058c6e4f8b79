import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/sdk/events/redaction/index.js';

const redactor = createRedactor({ enable: ['MAC'] });
/** The values found in `text`, as `TYPE:value`. */
const found = (text: string) => redactor.findings(text).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);

describe.each([
  [
    'EMAIL',
    [
      'jane.doe@example.com',
      'bob.smith+alerts@example.net',
      'John.Smith@Example.COM',
      'jürgen.müller@example.com',
    ],
    ['npm i lodash@4.17.21', 'logo@2x.png', 'user@localhost', '@maria thanks', 'image@sha256:abc'],
  ],
  [
    'PHONE',
    [
      '+44 20 7946 0958',
      '+1 (415) 555-0132',
      '0044 20 7946 0958',
      '+49 30 901820',
      '+33 1 23 45 67 89',
      '(415) 555-0132',
      '415-555-0132',
      '+14155550123',
      '+49 (0)30 901820',
      '07700 900123',
      '06 39 98 12 34',
    ],
    [
      '2024-03-15 14:30:45',
      '1.2.3',
      'v10.0.1',
      'ORD-2024-000123',
      '#123456789',
      '12:30:45',
      '+0000',
      '10.0.19045.4046',
      '1,299.99',
      'session 4155550132',
      'order no. 0123 4567 89',
      '112-4455667-8899001',
    ],
  ],
  [
    'CARD',
    [
      '4111 1111 1111 1111',
      '5555-5555-5555-4444',
      '378282246310005',
      '3782 822463 10005',
      '6011111111111117',
    ],
    [
      '4111 1111 1111 1112',
      '1234 5678 9012 3456',
      'IMEI 490154203237518',
      '12345678901234567',
      '7992739871300003',
    ],
  ],
  [
    'IBAN',
    [
      'GB82 WEST 1234 5698 7654 32',
      'GB82WEST12345698765432',
      'DE89 3704 0044 0532 0130 00',
      'NO9386011117947',
    ],
    ['GB00 WEST 1234 5698 7654 32', 'DE12 3456 7890', 'VAT DE123456789', 'XX82WEST12345698765432'],
  ],
  [
    'IP',
    [
      '203.0.113.42',
      '10.20.30.40',
      '2001:db8::8a2e:370:7334',
      '::ffff:192.0.2.128',
      'fe80::1ff:fe23:4567:890a',
    ],
    [
      '127.0.0.1',
      '0.0.0.0',
      '255.255.255.0',
      '::1',
      '12:30:45',
      'version 1.2.3.4',
      'std::vector',
      '1.3.6.1.4.1',
    ],
  ],
  [
    'SSN',
    ['219-09-9999', '536-22-8410', 'SSN: 536228410'],
    ['000-12-3456', '666-45-6789', '912-34-5678', '123-00-4567', '123-45-0000', '536228410', '2024-03-15'],
  ],
  [
    'SECRET',
    [
      'sk-proj-OxFLnlvUca6_kKsVdEILcCgdlrFE1YMK9_H3nrnlJQzl5RMRZGpoIJF8iCjvfdAO',
      'ghp_MjHlKrPpCKWuYziuqTzhwJkx74wxjAJfvSli',
      'AKIAIOSFODNN7EXAMPLE',
      'soma_3f9a0c1b2d4e5f60_q0Xz-_bT9wKcLmN3pRsUvY2aB4dE6fG8hJ1kL5mN7oP',
      'xoxb-17653672481-19874698323-78oPZot6Zk54HUWSdpHbiZYm',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    ],
    [
      'task-force',
      'pk_test_TYooMQauvdEDq54NiTphI7jx',
      'soma_config.yaml',
      'soma_3f9a0c1b2d4e5f60',
      'password: ********',
      'token: <redacted>',
      'eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxIn0.abc',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} placeholder is the input
      'api_key=${API_KEY}',
    ],
  ],
  ['MAC', ['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e'], ['16:27:ac:a5:76:28:2d:36:63:1b', '12:30:45']],
])('%s', (type, positives, negatives) => {
  it.each(positives)('finds %s', (value) => {
    const text = `before ${value} after`;
    const hits = found(text);
    const expected = value.startsWith('SSN: ') ? value.slice(5) : value;
    expect(hits).toEqual([`${type}:${expected}`]);
  });
  it.each(negatives)('leaves %s alone', (value) => {
    expect(found(`before ${value} after`).filter((h) => h.startsWith(`${type}:`))).toEqual([]);
  });
});

describe('secrets', () => {
  it('replaces the value, not the key', () => {
    expect(found('password: Tr0ub4dor&3xample')).toEqual(['SECRET:Tr0ub4dor&3xample']);
    expect(found('GET /x?token=abc123def456&page=2')).toEqual(['SECRET:abc123def456']);
    expect(found('Authorization: Bearer abcdef0123456789ABCDEF')).toEqual(['SECRET:abcdef0123456789ABCDEF']);
    expect(found('postgres://app:p@ss-W0rd@db.example.com:5432/app')).toEqual(['SECRET:p@ss-W0rd']);
  });

  it('covers a whole private key block, multi-line or with escaped newlines', () => {
    const block =
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nW1vRo2WhHJ==\n-----END RSA PRIVATE KEY-----';
    expect(found(`key:\n${block}\nthanks`)).toEqual([`SECRET:${block}`]);
    const escaped = block.replaceAll('\n', '\\n');
    expect(found(`{"private_key":"${escaped}\\n"}`)).toEqual([`SECRET:${escaped}`]);
  });

  it('covers the key material after a BEGIN whose END was cut off', () => {
    const text = 'key=-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIf16Jve9J14Hzjkqo5Oxm\\n';
    expect(found(text)).toEqual([`SECRET:${text.slice(4, -2)}`]);
  });

  it('leaves certificates and public keys alone', () => {
    expect(found('-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----')).toEqual([]);
  });
});

describe('context', () => {
  it('finds text glued to Japanese or Chinese, which has no spaces between words', () => {
    expect(found('メールはtaro@example.comです。電話は+81 3-1234-5678。')).toEqual([
      'EMAIL:taro@example.com',
      'PHONE:+81 3-1234-5678',
    ]);
  });

  it('reads a bare number as a phone only right after a phone word', () => {
    expect(found('call me at 4155550132')).toEqual(['PHONE:4155550132']);
    expect(found('ticket 4155550132')).toEqual([]);
  });
});
