import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactorFromConfig } from '../../src/sdk/events/redaction/index.js';
import { ConfigError, describeConfig, InvalidInputError, resolveConfig } from '../../src/sdk/index.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'soma-config-policy-'));
}

function configError(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const resolve = (env: Record<string, string>, flags?: Record<string, string>, cwd = tempDir()) =>
  resolveConfig({ env, flags, cwd });

describe('config: redaction.*', () => {
  it('defaults to every default-on type and no extra pattern', () => {
    const { config } = resolve({});
    expect(config.redaction).toEqual({ disable: [], enable: [], patterns: [] });
    expect(redactorFromConfig(config).types).toEqual([
      'SECRET',
      'CARD',
      'IBAN',
      'SSN',
      'EMAIL',
      'IP',
      'PHONE',
    ]);
  });

  it('reads type lists from env, any case, each once', () => {
    const { config, origins } = resolve({
      SOMA_REDACTION_DISABLE: 'ip, Email,IP',
      SOMA_REDACTION_ENABLE: 'mac',
    });
    expect(config.redaction.disable).toEqual(['IP', 'EMAIL']);
    expect(config.redaction.enable).toEqual(['MAC']);
    expect(origins['redaction.disable']).toEqual({ source: 'env', from: 'SOMA_REDACTION_DISABLE' });
  });

  it('names the key and the unknown type, and a type both enabled and disabled', () => {
    const unknown = configError(() => resolve({ SOMA_REDACTION_DISABLE: 'IP,NAMES' }));
    expect(unknown.message).toContain(
      'redaction.disable = "IP,NAMES" (from env SOMA_REDACTION_DISABLE): unknown type NAMES; expected',
    );
    const both = configError(() => resolve({}, { 'redaction.disable': 'MAC', 'redaction.enable': 'mac' }));
    expect(both.message).toContain('redaction.enable = "mac" (from flag --set redaction.enable)');
    expect(both.message).toContain('MAC is also in redaction.disable');
  });

  it('reads patterns as NAME=REGEX lines, a JSON array, a file list or a file mapping', () => {
    // Commas and = inside a regex stay in it: text entries are split by lines, never by commas.
    const lines = resolve({ SOMA_REDACTION_PATTERNS: 'employee_id=EMP-\\d{6}\nticket=T-\\d{1,3}=x\n' });
    expect(lines.config.redaction.patterns).toEqual([
      { type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}' },
      { type: 'TICKET', pattern: 'T-\\d{1,3}=x' },
    ]);
    const array = resolve({}, { 'redaction.patterns': '["A=a{1,2}", "B=/b+/i"]' });
    expect(array.config.redaction.patterns).toEqual([
      { type: 'A', pattern: 'a{1,2}' },
      { type: 'B', pattern: '/b+/i' },
    ]);
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'somaagent.config.yaml'),
      'redaction:\n  patterns:\n    EMPLOYEE_ID: "EMP-\\\\d{6}"\n  disable: [IP]\n',
    );
    expect(resolve({}, undefined, cwd).config.redaction).toEqual({
      disable: ['IP'],
      enable: [],
      patterns: [{ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}' }],
    });
    writeFileSync(join(cwd, 'somaagent.config.yaml'), 'redaction:\n  patterns: ["X=x+"]\n');
    expect(resolve({}, undefined, cwd).config.redaction.patterns).toEqual([{ type: 'X', pattern: 'x+' }]);
  });

  it('rejects a regex that does not compile, a bad name and an entry without =, naming the key', () => {
    const regex = configError(() => resolve({ SOMA_REDACTION_PATTERNS: 'TICKET=JIRA-(\\d+' }));
    expect(regex.message).toContain(
      'redaction.patterns = "TICKET=JIRA-(\\\\d+" (from env SOMA_REDACTION_PATTERNS)',
    );
    expect(regex.message).toContain('is not a valid regular expression');
    expect(regex.message).toMatch(/Unterminated group/);
    const name = configError(() => resolve({}, { 'redaction.patterns': '9LIVES=x' }));
    expect(name.message).toContain('redaction.patterns = "9LIVES=x" (from flag --set redaction.patterns)');
    expect(name.message).toContain('expected a name like EMPLOYEE_ID');
    const noEquals = configError(() => resolve({ SOMA_REDACTION_PATTERNS: 'just-a-regex' }));
    expect(noEquals.message).toContain('entry "just-a-regex" is not NAME=VALUE');
    const cwd = tempDir();
    writeFileSync(join(cwd, 'somaagent.config.yaml'), 'redaction:\n  patterns:\n    X: 12\n');
    expect(configError(() => resolve({}, undefined, cwd)).message).toContain(
      'entry "X" needs a non-empty text value',
    );
  });

  it('shows the values in config show', () => {
    const rows = describeConfig(
      resolve({
        SOMA_REDACTION_DISABLE: 'IP',
        SOMA_REDACTION_PATTERNS: 'A=a+\nB=b,c',
        SOMA_SCHEMAS_COMPATIBILITY: 'conversation.events=full',
      }),
    );
    const value = (key: string) => rows.find((row) => row.key === key)?.value;
    expect(value('redaction.disable')).toBe('IP');
    expect(value('redaction.enable')).toBe('');
    expect(value('redaction.patterns')).toBe('A=a+\nB=b,c');
    expect(value('schemas.compatibility')).toBe('conversation.events=FULL');
  });
});

describe('redactorFromConfig', () => {
  const text = 'EMP-123456 at 203.0.113.7 wrote x@example.org from 00:1A:2B:3C:4D:5E';

  it('builds the redactor the configuration describes', () => {
    const { config } = resolve({
      SOMA_REDACTION_DISABLE: 'IP',
      SOMA_REDACTION_ENABLE: 'MAC',
      SOMA_REDACTION_PATTERNS: 'employee_id=EMP-\\d{6}',
    });
    expect(redactorFromConfig(config).redact(text).text).toBe(
      '[EMPLOYEE_ID] at 203.0.113.7 wrote [EMAIL] from [MAC]',
    );
  });

  it('lets overrides add patterns and decide the types they name', () => {
    const { config } = resolve({ SOMA_REDACTION_DISABLE: 'IP,EMAIL', SOMA_REDACTION_ENABLE: 'MAC' });
    const redactor = redactorFromConfig(config, {
      enable: ['ip'],
      disable: ['MAC'],
      extraPatterns: [{ type: 'EMP', pattern: 'EMP-\\d+' }],
    });
    expect(redactor.redact(text).text).toBe('[EMP] at [IP] wrote x@example.org from 00:1A:2B:3C:4D:5E');
    expect(() => redactorFromConfig(config, { enable: ['MAC'], disable: ['mac'] })).toThrow(
      InvalidInputError,
    );
    expect(() => redactorFromConfig(config, { extraPatterns: [{ type: 'T', pattern: '(' }] })).toThrow(
      InvalidInputError,
    );
  });

  it('names the key when a configuration built by hand is unusable', () => {
    const redaction = { disable: [], enable: [], patterns: [] };
    const cases: Array<[object, string]> = [
      [{ ...redaction, disable: ['NAMES'] }, 'redaction.disable'],
      [{ ...redaction, enable: ['NAMES'] }, 'redaction.enable'],
      [{ ...redaction, patterns: [{ type: 'T', pattern: '(' }] }, 'redaction.patterns'],
    ];
    for (const [bad, key] of cases) {
      const error = configError(() => redactorFromConfig({ redaction: bad as never }));
      expect(error.message).toContain(key);
    }
  });
});

describe('config: schemas.compatibility', () => {
  it('reads TOPIC=MODE entries from env, flag and file; modes in any case', () => {
    expect(resolve({}).config.schemas.compatibility).toEqual({});
    const env = resolve({
      SOMA_SCHEMAS_COMPATIBILITY: 'conversation.events=full_transitive, tool_execution=NONE',
    });
    expect(env.config.schemas.compatibility).toEqual({
      'conversation.events': 'FULL_TRANSITIVE',
      tool_execution: 'NONE',
    });
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'somaagent.config.yaml'),
      'schemas:\n  compatibility:\n    conversation.events: FORWARD\n    config.updates: FULL\n',
    );
    expect(resolve({}, undefined, cwd).config.schemas.compatibility).toEqual({
      'conversation.events': 'FORWARD',
      'config.updates': 'FULL',
    });
  });

  it('names the key, the topic and the bad mode', () => {
    const error = configError(() => resolve({}, { 'schemas.compatibility': 'conversation.events=SIDEWAYS' }));
    expect(error.message).toContain('schemas.compatibility = "conversation.events=SIDEWAYS"');
    expect(error.message).toContain('conversation.events: unknown mode "SIDEWAYS"');
    expect(configError(() => resolve({ SOMA_SCHEMAS_COMPATIBILITY: 'a b=FULL' })).message).toContain(
      '"a b" is not a topic or schema name',
    );
  });
});
