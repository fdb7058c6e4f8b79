import { describe, expect, it } from 'vitest';
import { canonicalChecksum, canonicalJson } from '../../src/sdk/canonical-json.js';
import { InvalidInputError } from '../../src/sdk/errors.js';
import { stateChecksum, stateText } from '../../src/sdk/events/config-updates/live-state.js';
import { ErasureKeys } from '../../src/sdk/governance/erase/erasure-keys.js';
import {
  ERASURE_JSON,
  hashJson,
  receiptHash,
  signReceipt,
  type UnsignedReceipt,
} from '../../src/sdk/governance/erase/receipt.js';

// Exact texts and hashes pinned: erasure plan hashes, receipt signatures and hashes, and configuration
// checksums are stored and compared across versions, so the canonical text must never change.

const nested = {
  z: { b: [1, { y: null, x: true }], a: '\u00e9' },
  a: [],
  m: {},
  '\u00e9': 1,
  B: 2,
  '\u{1F600}': 'x',
  '\uFF5A': 0,
};
const NESTED =
  '{"B":2,"a":[],"m":{},"z":{"a":"\u00e9","b":[1,{"x":true,"y":null}]},"\u00e9":1,"\u{1F600}":"x","\uFF5A":0}';
const NESTED_SHA256 = '3603629f842b3f44984cfcc904b2cd72a11271ef0284283523e3eaad1b9a0518';

const unicode = { s: 'na\u00efve \u2014 \u65e5\u672c\u8a9e \u{1F600} \u2028 "q" \\ \n\t\u0001', k: '\uD800' };
const UNICODE =
  '{"k":"\\ud800","s":"na\u00efve \u2014 \u65e5\u672c\u8a9e \u{1F600} \u2028 \\"q\\" \\\\ \\n\\t\\u0001"}';
const UNICODE_SHA256 = 'b02b833c5c4804c2d3e55c860894c96e92be0df18490f7fcf96754943c11db87';

const numbers = [
  0,
  -0,
  1,
  -1.5,
  1e21,
  1e-7,
  123456789012345680000,
  0.1 + 0.2,
  Number.MAX_SAFE_INTEGER,
  5e-324,
  2 ** 53 + 2,
];
const NUMBERS =
  '[0,0,1,-1.5,1e+21,1e-7,123456789012345680000,0.30000000000000004,9007199254740991,5e-324,9007199254740994]';
const NUMBERS_SHA256 = '046b657623ba65b9293f5761dc037e195d2b4346ffc717b4acfb7c3970a9d453';

const withUndefined = { a: undefined, b: [undefined, null, 1], c: { d: undefined, e: 'x' } };
const nonFinite = { n: Number.NaN, i: Number.POSITIVE_INFINITY, arr: [Number.NEGATIVE_INFINITY] };

function invalidMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidInputError');
}

describe('canonical JSON text and checksums (pinned)', () => {
  it('sorts keys by UTF-16 code units at every depth, with no whitespace', () => {
    for (const options of [{}, ERASURE_JSON]) {
      expect(canonicalJson(nested, options)).toBe(NESTED);
      expect(canonicalChecksum(nested, options)).toBe(NESTED_SHA256);
    }
    expect(hashJson(nested)).toBe(`sha256:${NESTED_SHA256}`);
  });

  it('writes strings (lone surrogates, control and line-separator characters) as JSON.stringify does', () => {
    expect(canonicalJson(unicode)).toBe(UNICODE);
    expect(canonicalChecksum(unicode)).toBe(UNICODE_SHA256);
    expect(hashJson(unicode)).toBe(`sha256:${UNICODE_SHA256}`);
  });

  it('writes numbers as JSON.stringify does', () => {
    expect(canonicalJson(numbers)).toBe(NUMBERS);
    expect(canonicalChecksum(numbers)).toBe(NUMBERS_SHA256);
    expect(hashJson(numbers)).toBe(`sha256:${NUMBERS_SHA256}`);
  });

  it('omits undefined members and writes undefined items as null when asked to', () => {
    expect(canonicalJson(withUndefined, { undefined: 'omit' })).toBe('{"b":[null,null,1],"c":{"e":"x"}}');
    expect(hashJson(withUndefined)).toBe(
      'sha256:2d5f1bf2378a7d8f684188fbdd9d2f1ec6a2bf46d4156fc665aed17a0f1d2042',
    );
    expect(canonicalJson(undefined, { undefined: 'omit' })).toBe('null');
    expect(hashJson(undefined)).toBe(hashJson(null));
    expect(hashJson(null)).toBe('sha256:74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b');
  });

  it('rejects undefined by default, naming its path', () => {
    expect(invalidMessage(() => canonicalJson(withUndefined))).toBe('$.a: undefined is not a JSON value');
    expect(invalidMessage(() => canonicalJson({ b: [1, undefined] }))).toBe(
      '$.b[1]: undefined is not a JSON value',
    );
    expect(invalidMessage(() => canonicalJson(undefined))).toBe('$: undefined is not a JSON value');
  });

  it('writes non-finite numbers as null when asked to, and rejects them by default', () => {
    expect(canonicalJson(nonFinite, ERASURE_JSON)).toBe('{"arr":[null],"i":null,"n":null}');
    expect(hashJson(nonFinite)).toBe(
      'sha256:b10608213984c03eaac1253d4f5f18cd3448336ba205e7553552b8e508c9a5ac',
    );
    expect(invalidMessage(() => canonicalJson(nonFinite))).toBe('$.arr[0]: -Infinity is not a JSON number');
    expect(invalidMessage(() => canonicalJson(nonFinite, { undefined: 'omit' }))).toBe(
      '$.arr[0]: -Infinity is not a JSON number',
    );
  });

  it('rejects values that are not JSON in either mode', () => {
    for (const options of [{}, ERASURE_JSON]) {
      for (const bad of [() => 1, new Date(0), new Map(), { x: 1n }, Symbol('s')]) {
        invalidMessage(() => canonicalJson(bad, options));
      }
    }
    // A hole in a sparse array is an undefined item, never an empty slot in the text.
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    const sparse = [, 1];
    expect(canonicalJson(sparse, ERASURE_JSON)).toBe('[null,1]');
    expect(invalidMessage(() => canonicalJson(sparse))).toBe('$[0]: undefined is not a JSON value');
  });

  it('keeps erasure plan hashes, receipt signatures and receipt hashes', () => {
    const keys = new ErasureKeys('k'.repeat(40));
    const subject = keys.subjectHash('t1', 'user-1');
    const plan = {
      version: 1,
      tenant: 't1',
      subject,
      stores: [
        { store: 'records', action: 'delete', count: 3 },
        { store: 'objects', action: 'delete', count: 0 },
      ],
      steps: ['a', 'b'],
    };
    const planHash = 'sha256:c8e3e06444a0f7e128e5f7810fba318000d6ef6d75fe4ddbee2c7fcfe2b614b2';
    expect(hashJson(plan)).toBe(planHash);
    const unsigned = {
      type: 'somaagent.erasure-receipt',
      version: 1,
      jobId: 'job-1',
      tenant: 't1',
      subject,
      planHash,
      plannedAt: '2026-01-02T03:04:05.000Z',
      startedAt: '2026-01-02T03:04:06.000Z',
      completedAt: '2026-01-02T03:04:07.000Z',
      verifiedAt: '2026-01-02T03:04:08.000Z',
      stores: [{ store: 'records', action: 'delete', before: 3, after: 0 }],
      outcome: 'erased',
      sequence: 1,
      previousHash: null,
    } as unknown as UnsignedReceipt;
    const receipt = signReceipt(unsigned, keys);
    expect(receipt.signature).toEqual({
      algorithm: 'HMAC-SHA256',
      keyId: '8a95793360e8d360',
      value: 'h_oaf3El3DGe83PGVp7SQzbSGF-kuZpuM9ubTYUa5sw',
    });
    expect(receiptHash(receipt)).toBe(
      'sha256:50c95263403fef9c057f378fc8e42f8d3724329a62b5cba8e6e9bb86c29e8733',
    );
  });

  it('keeps the configuration live-state text and checksum', () => {
    const state = {
      config: { 'log.level': 'debug', 'retention.sessions': '2d', 'server.port': 8080 },
      flags: { beta: { enabled: true, rollout: 25 } },
    };
    expect(stateText(state)).toBe(
      '{"config":{"log.level":"debug","retention.sessions":"2d","server.port":8080},"flags":{"beta":{"enabled":true,"rollout":25}}}',
    );
    expect(stateChecksum(state)).toBe('813406db75fc4e60460798a3c0ca87f7a1137c5a453d08b157770868052c0fef');
  });
});
