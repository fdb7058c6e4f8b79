import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/sdk/events/redaction/index.js';

const MB = 1 << 20;
const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

/**
 * 1 MB inputs built to make backtracking regexes explode. No timing assertion: an exponential or
 * quadratic pattern would not finish within the test timeout, a linear one finishes in well under a second.
 */
describe('redaction on adversarial input', () => {
  const redactor = createRedactor({ enable: ['MAC'] });
  it.each([
    ['digits', fill('1')],
    ['digits and spaces', fill('1 ')],
    ['digits and dashes', fill('1-')],
    ['dotted digits', fill('255.')],
    ['phone-like separators', fill('(1) ')],
    ['plus signs', fill('+1 ')],
    ['e-mail local parts', fill('a.')],
    ['at signs', fill('a@')],
    ['one long domain', `x@${fill('a.')}`],
    ['hex and colons', fill('ff:')],
    ['colons', fill(':')],
    ['private key headers without end', fill('-----BEGIN PRIVATE KEY-----')],
    ['a key body without end', `-----BEGIN RSA PRIVATE KEY-----\n${fill('A')}`],
    ['JWT prefixes', fill('eyJ')],
    ['token characters', `sk-${fill('a')}`],
    ['assignments', fill('password=')],
    ['IBAN-like groups', `DE89${fill(' 1234')}`],
    ['SSN-like', fill('123-45-')],
  ])('%s completes', (_name, text) => {
    const findings = redactor.findings(text);
    expect(Array.isArray(findings)).toBe(true);
  });

  it('a real 1 MB log with PII on every line completes and finds it all', () => {
    const line = 'user jane@example.com from 203.0.113.7 card 4111 1111 1111 1111 tel +1 415 555 0132\n';
    const text = line.repeat(Math.floor(MB / line.length));
    expect(redactor.findings(text).length).toBe(4 * Math.floor(MB / line.length));
  });
});
