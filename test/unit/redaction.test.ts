import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/errors.js';
import { createRedactor, redactValue } from '../../src/sdk/events/redaction/index.js';

describe('createRedactor', () => {
  const redactor = createRedactor();

  it('replaces each finding with a typed placeholder; spans point into the original text', () => {
    const text = 'mail jane@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111, ip 203.0.113.7';
    const result = redactor.redact(text);
    expect(result.text).toBe('mail [EMAIL] or call [PHONE], card [CARD], ip [IP]');
    expect(result.findings.map((f) => [f.type, text.slice(f.start, f.end), f.placeholder])).toEqual([
      ['EMAIL', 'jane@example.com', '[EMAIL]'],
      ['PHONE', '+44 20 7946 0958', '[PHONE]'],
      ['CARD', '4111 1111 1111 1111', '[CARD]'],
      ['IP', '203.0.113.7', '[IP]'],
    ]);
    expect(redactor.findings(text)).toEqual(result.findings);
  });

  it('returns the same text object and no findings when there is nothing to redact', () => {
    const text =
      'release 1.2.3 on 2024-03-15T14:30:45Z, order ORD-2024-000123, id 3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c';
    expect(redactor.redact(text)).toEqual({ text, findings: [] });
  });

  it('counts offsets in UTF-16 code units (an emoji counts 2)', () => {
    const text = '🙂 a@example.com';
    const [finding] = redactor.findings(text);
    expect(finding).toMatchObject({ start: 3, end: 16 });
    expect(text.slice(finding!.start, finding!.end)).toBe('a@example.com');
  });

  it('resolves overlaps deterministically: secrets before e-mails, cards before phones', () => {
    const url = 'https://gho_0f4Tx8D7NbmS4DOxb8mD0OiG6hLgzUbTr8Mt@github.com/org/repo.git';
    expect(redactor.redact(url).text).toBe('https://[SECRET]@github.com/org/repo.git');
    expect(redactor.redact('call 4111 1111 1111 1111').findings.map((f) => f.type)).toEqual(['CARD']);
    const text = 'tel +1 415 555 0132 SSN 219-09-9999 to x@example.org';
    expect(createRedactor().findings(text)).toEqual(createRedactor().findings(text));
  });

  it('never returns overlapping findings, sorted by start', () => {
    const text =
      'password=sk-AFl38LfYQuFikykf29t7Sa3o37K14S6ZTfYwqhkFlal0evEL a@b.example 10.0.0.1 ::ffff:192.0.2.1';
    const findings = redactor.findings(text);
    for (let i = 1; i < findings.length; i++)
      expect(findings[i]!.start).toBeGreaterThanOrEqual(findings[i - 1]!.end);
    expect(findings.map((f) => f.type)).toEqual(['SECRET', 'EMAIL', 'IP', 'IP']);
  });
});

describe('options', () => {
  it('disable removes built-in types; enable adds opt-in ones', () => {
    const text = 'a@example.com from 203.0.113.7, wlan 00:1A:2B:3C:4D:5E';
    expect(createRedactor({ disable: ['ip'] }).redact(text).text).toBe(
      '[EMAIL] from 203.0.113.7, wlan 00:1A:2B:3C:4D:5E',
    );
    expect(createRedactor({ enable: ['MAC'] }).redact(text).text).toBe('[EMAIL] from [IP], wlan [MAC]');
    expect(createRedactor({ disable: ['EMAIL', 'SECRET'] }).types).not.toContain('EMAIL');
  });

  it('extra patterns accept a RegExp, a /source/flags string or a bare source, with a placeholder', () => {
    const redactor = createRedactor({
      extraPatterns: [
        { type: 'employee_id', pattern: 'EMP-\\d{6}' },
        { type: 'PROJECT', pattern: '/apollo-\\w+/i', placeholder: '<project>' },
        { type: 'TICKET', pattern: /JIRA-\d+/ },
        { type: 'EMPTY', pattern: 'x*' },
      ],
    });
    expect(redactor.redact('EMP-123456 on Apollo-Moon, see JIRA-42').text).toBe(
      '[EMPLOYEE_ID] on <project>, see [TICKET]',
    );
  });

  it('an extra pattern can widen a built-in type', () => {
    const redactor = createRedactor({
      extraPatterns: [{ type: 'EMAIL', pattern: '\\w+ \\(at\\) example\\.com' }],
    });
    expect(redactor.redact('jane (at) example.com').text).toBe('[EMAIL]');
  });

  it('rejects an invalid pattern with an error naming it, and unknown or malformed types', () => {
    const bad = () => createRedactor({ extraPatterns: [{ type: 'X', pattern: '(unclosed' }] });
    expect(bad).toThrow(InvalidInputError);
    expect(bad).toThrow(/X.*\(unclosed/);
    expect(() => createRedactor({ disable: ['EMAILS'] })).toThrow(/unknown type "EMAILS"/);
    expect(() => createRedactor({ extraPatterns: [{ type: '9lives', pattern: 'x' }] })).toThrow(
      InvalidInputError,
    );
  });
});

describe('redactValue', () => {
  it('redacts every string of a JSON-like value, keeps listed keys and non-strings, copies', () => {
    const event = {
      event_id: 'evt-a@example.com',
      payload: { text: 'call +1 415 555 0132', tokens: 12, parts: ['x@example.org', null, true] },
    };
    const { value, findings } = redactValue(createRedactor(), event, { keep: ['event_id'] });
    expect(value).toEqual({
      event_id: 'evt-a@example.com',
      payload: { text: 'call [PHONE]', tokens: 12, parts: ['[EMAIL]', null, true] },
    });
    expect(findings.map((f) => [f.path, f.type])).toEqual([
      ['payload.text', 'PHONE'],
      ['payload.parts.0', 'EMAIL'],
    ]);
    expect(event.payload.text).toBe('call +1 415 555 0132');
  });
});
