import { describe, expect, it } from 'vitest';
import { ToolInputValidator } from '../../src/sdk/agent/tools/tool-input.js';
import type { JsonObjectSchema, Tool } from '../../src/sdk/stores/records/tool-registry.js';
import { checkInputSchema } from '../../src/sdk/stores/records/tool-validation.js';

function tool(inputSchema: JsonObjectSchema, updatedAt = new Date('2026-01-01T00:00:00Z')): Tool {
  return {
    name: 'calendar.book',
    version: '1.0.0',
    description: '',
    inputSchema,
    publisher: 'acme',
    enabled: true,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt,
  };
}

const booking: JsonObjectSchema = {
  type: 'object',
  properties: {
    at: { type: 'string', format: 'date-time' },
    guest: { type: 'string', format: 'email' },
    link: { type: 'string', format: 'uri' },
  },
  required: ['at', 'guest'],
  additionalProperties: false,
};

describe('tool input formats', () => {
  const validator = new ToolInputValidator();

  it('accepts inputs in the declared formats', () => {
    expect(
      validator.check(tool(booking), {
        at: '2026-11-26T10:00:00Z',
        guest: 'ann@example.org',
        link: 'https://example.org/room/4',
      }),
    ).toBeUndefined();
  });

  it.each([
    [
      'a date-time without a time zone',
      { at: '2026-11-26 10:00', guest: 'ann@example.org' },
      /input\/at must match format "date-time"/,
    ],
    [
      'a date-time that is not a date',
      { at: '2026-02-30T10:00:00Z', guest: 'ann@example.org' },
      /input\/at must match format "date-time"/,
    ],
    [
      'an email without a domain',
      { at: '2026-11-26T10:00:00Z', guest: 'ann' },
      /input\/guest must match format "email"/,
    ],
    [
      'a relative uri',
      { at: '2026-11-26T10:00:00Z', guest: 'ann@example.org', link: 'room/4' },
      /input\/link must match format "uri"/,
    ],
  ])('refuses %s, naming the field and the format', (_, input, message) => {
    const problem = validator.check(tool(booking), input);
    expect(problem?.code).toBe('TOOL_INPUT_INVALID');
    expect(problem?.message).toMatch(message);
  });
});

describe('checkInputSchema compiles the schema', () => {
  it('returns the serialised schema of a valid one', () => {
    expect(JSON.parse(checkInputSchema(booking))).toEqual(booking);
  });

  it.each([
    ['an unknown type', { type: 'object', properties: { q: { type: 'strng' } } }, /type/],
    [
      'a pattern that is not a regular expression',
      { type: 'object', properties: { q: { type: 'string', pattern: '(' } } },
      /pattern|regular expression|Invalid/i,
    ],
    [
      'a dangling $ref',
      { type: 'object', properties: { q: { $ref: '#/definitions/nope' } } },
      /can't resolve reference|nope/,
    ],
  ])('refuses %s when it is registered', (_, schema, detail) => {
    let error: unknown;
    try {
      checkInputSchema(schema);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(/^tool input schema is not valid JSON Schema: /);
    expect((error as Error).message).toMatch(detail);
  });

  it('can check the same schema, with the same $id, twice', () => {
    const withId = { $id: 'https://example.org/tool.json', type: 'object', properties: {} };
    expect(() => checkInputSchema(withId)).not.toThrow();
    expect(() => checkInputSchema(withId)).not.toThrow();
  });
});
