import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';

const SECRET = 'ghp_MjHlKrPpCKWuYziuqTzhwJkx74wxjAJfvSli';
const INPUT = `mail jane@example.com or call +44 20 7946 0958\ntoken ${SECRET}\n🙂 card 4111 1111 1111 1111\n`;

describe('somaagent redact', () => {
  it('reads stdin and writes it redacted, byte for byte otherwise', async () => {
    const result = await runCli(['redact'], { input: INPUT });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('mail [EMAIL] or call [PHONE]\ntoken [SECRET]\n🙂 card [CARD]\n');
  });

  it('--json lists type and span of each finding, never the matched values', async () => {
    const result = await runCli(['redact', '--json'], { input: INPUT });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('redact', body);
    expect(body.findings.map((f: { type: string }) => f.type)).toEqual(['EMAIL', 'PHONE', 'SECRET', 'CARD']);
    for (const f of body.findings) expect(f.length).toBe(f.end - f.start);
    const card = body.findings[3];
    expect(INPUT.slice(card.start, card.end)).toBe('4111 1111 1111 1111');
    expect(body.counts).toEqual({ EMAIL: 1, PHONE: 1, SECRET: 1, CARD: 1 });
    for (const value of ['jane@example.com', SECRET, '4111', '7946'])
      expect(result.stdout).not.toContain(value);
  });

  it('--text instead of stdin, --disable and --pattern', async () => {
    const result = await runCli([
      'redact',
      '--text',
      'EMP-123456 at 203.0.113.7 wrote x@example.org',
      '--disable',
      'IP',
      '--disable',
      'email',
      '--pattern',
      'EMPLOYEE_ID=EMP-\\d{6}',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('[EMPLOYEE_ID] at 203.0.113.7 wrote x@example.org\n');
  });

  it('honours the redaction settings of the config file, the environment and --set', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'soma-redact-'));
    writeFileSync(
      join(cwd, 'somaagent.config.yaml'),
      'redaction:\n  disable: [IP]\n  patterns:\n    employee_id: "EMP-\\\\d{6}"\n',
    );
    const text = ['--text', 'EMP-123456 at 203.0.113.7 wrote x@example.org, ticket T-42'];
    const fromFile = await runCli(['redact', ...text], { cwd });
    expect(fromFile.stdout).toBe('[EMPLOYEE_ID] at 203.0.113.7 wrote [EMAIL], ticket T-42\n');
    const fromEnv = await runCli(['redact', ...text], { cwd, env: { SOMA_REDACTION_DISABLE: 'email' } });
    expect(fromEnv.stdout).toBe('[EMPLOYEE_ID] at [IP] wrote x@example.org, ticket T-42\n');
    const withFlags = await runCli(
      ['redact', ...text, '--set', 'redaction.patterns=TICKET=T-\\d+', '--enable', 'IP', '--json'],
      { cwd },
    );
    expect(withFlags.code).toBe(0);
    const body = JSON.parse(withFlags.stdout);
    expect(body.text).toBe('EMP-123456 at [IP] wrote [EMAIL], ticket [TICKET]');
    expect(body.counts).toEqual({ IP: 1, EMAIL: 1, TICKET: 1 });
  });

  it('a bad redaction setting exits 2 naming the key, without a stack trace', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'soma-redact-'));
    const result = await runCli(['redact', '--text', 'x', '--set', 'redaction.patterns=TICKET=JIRA-(\\d+'], {
      cwd,
    });
    expect(result.code).toBe(2);
    // The message quotes the value as JSON, so the backslash is doubled.
    expect(result.stderr).toContain(
      'redaction.patterns = "TICKET=JIRA-(\\\\d+" (from flag --set redaction.patterns)',
    );
    expect(result.stderr).toContain('not a valid regular expression');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const json = await runCli(['redact', '--json', '--text', 'x'], {
      cwd,
      env: { SOMA_REDACTION_ENABLE: 'NAMES' },
    });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(JSON.parse(json.stdout).error.message).toContain('redaction.enable = "NAMES"');
  });

  it('--fail-on-findings exits 1 when something was found and 0 when not', async () => {
    const found = await runCli(['redact', '--fail-on-findings', '--json'], { input: 'ssn 219-09-9999' });
    expect(found.code).toBe(1);
    expect(JSON.parse(found.stdout).counts).toEqual({ SSN: 1 });
    const clean = await runCli(['redact', '--fail-on-findings'], { input: 'version 1.2.3 at 12:30:45' });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('version 1.2.3 at 12:30:45');
  });

  it('an invalid --pattern exits 2 naming the pattern', async () => {
    const result = await runCli(['redact', '--pattern', 'TICKET=JIRA-(\\d+', '--text', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TICKET');
    expect(result.stderr).toContain('JIRA-(\\d+');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const json = await runCli(['redact', '--json', '--disable', 'NAMES', '--text', 'x']);
    expect(json.code).toBe(2);
    expectMatchesSchema('error', JSON.parse(json.stdout));
    expect(JSON.parse(json.stdout).error.message).toContain('NAMES');
  });

  it('refuses to wait on a terminal: exit 2 with a clear message when stdin is a TTY and no --text', () => {
    // `script` gives the command a pseudo-terminal as stdin, as an interactive shell would.
    const result = spawnSync('script', ['-qec', 'node bin/run.js redact', '/dev/null'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    });
    if (result.error) throw result.error;
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('stdin is a terminal and no --text was given');
  });

  it('--help teaches with examples', async () => {
    const result = await runCli(['redact', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('EXAMPLES');
    expect(result.stdout).toContain('--fail-on-findings');
  });
});
