import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'soma-cli-'));

describe('somaagent CLI', () => {
  it('--help lists the commands', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('doctor');
    expect(result.stdout).toContain('config');
  });

  it.each([['doctor'], ['config', 'show']])(
    '%s --help teaches with examples and offers --json',
    async (...id) => {
      const result = await runCli([...id, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('EXAMPLES');
      expect(result.stdout).toContain('--json');
    },
  );

  it('every command has realistic examples that name only real commands and their real flags', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<
        string,
        { examples?: Array<string | { command: string }>; flags: Record<string, { type: string }> }
      >;
    };
    const ids = Object.keys(manifest.commands);
    expect(ids.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const id of ids) {
      const examples = manifest.commands[id]?.examples ?? [];
      if (examples.length === 0) problems.push(`${id}: no example`);
      for (const example of examples) {
        const text = (typeof example === 'string' ? example : example.command)
          .replaceAll('<%= command.id %>', id.replaceAll(':', ' '))
          .replaceAll('<%= config.bin %>', 'somaagent');
        // Each invocation of somaagent in the example (after a pipe, &&, $( or a new line).
        for (const call of text.split(/somaagent /).slice(1)) {
          const words =
            call
              .split(/\s*(?:&&|\||\)|;|\n|<|>)/)[0]
              ?.trim()
              .split(/\s+/) ?? [];
          let command = '';
          for (const word of words) {
            const next = command ? `${command}:${word}` : word;
            if (ids.includes(next) || ids.some((known) => known.startsWith(`${next}:`))) command = next;
            else break;
          }
          const flags = manifest.commands[command]?.flags;
          if (!flags) {
            problems.push(`${id}: example calls an unknown command: somaagent ${call.slice(0, 40)}`);
            continue;
          }
          for (const flag of words
            .filter((w) => w.startsWith('--'))
            .map((w) => w.slice(2).split('=')[0] ?? '')) {
            if (!(flag in flags))
              problems.push(`${id}: example uses --${flag}, which ${command} does not have`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('the README commands table lists every command with real flags, and no junk rows', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown> }>;
    };
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
    const start = readme.findIndex((line) => /^\| command\s+\| what it does/.test(line));
    expect(start).toBeGreaterThan(0);
    const rows: string[] = [];
    for (let i = start + 2; readme[i]?.startsWith('|'); i++) rows.push(readme[i] as string);
    expect(rows.filter((row) => /^[|\s-]+$/.test(row))).toEqual([]);
    const commandOf = (row: string) => /^\|\s*`somaagent ([a-z][\w -]*?)(?: [A-Z[-]|`)/.exec(row)?.[1];
    const listed = rows.map(commandOf);
    for (const id of Object.keys(manifest.commands)) expect(listed).toContain(id.replaceAll(':', ' '));
    for (const row of rows) {
      const id = commandOf(row)?.replaceAll(' ', ':') ?? '';
      const cell = row.split(/(?<!\\)\|/)[1] ?? '';
      for (const flag of cell.match(/--[a-z][\w-]*/g) ?? []) {
        expect(manifest.commands[id]?.flags, `${id} ${flag}`).toHaveProperty(flag.slice(2));
      }
    }
  });

  it('config show --json reports each value with its source, secrets masked', async () => {
    const dir = cwd();
    writeFileSync(join(dir, 'somaagent.config.yaml'), 'kafka:\n  clientId: from-file\n');
    const result = await runCli(['config', 'show', '--json', '--profile', 'cluster'], {
      cwd: dir,
      env: { SOMA_S3_SECRET_ACCESS_KEY: 'sekrit-value', SOMA_ENVIRONMENT: 'prod' },
    });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('config-show', body);
    const row = (key: string) => body.settings.find((r: { key: string }) => r.key === key);
    expect(row('profile')).toMatchObject({ value: 'cluster', source: 'flag', from: '--profile' });
    expect(row('environment')).toMatchObject({ value: 'prod', source: 'env', from: 'SOMA_ENVIRONMENT' });
    expect(row('kafka.clientId')).toMatchObject({ value: 'from-file', source: 'file' });
    expect(row('retention.sessions')).toMatchObject({ value: '7d', source: 'default' });
    expect(row('s3.secretAccessKey').value).toBe('********');
    expect(result.stdout).not.toContain('sekrit-value');
  });

  it('config show lists the redaction and schema compatibility settings', async () => {
    const result = await runCli(
      ['config', 'show', '--json', '--set', 'schemas.compatibility=conversation.events=full'],
      {
        cwd: cwd(),
        env: { SOMA_REDACTION_PATTERNS: 'EMPLOYEE_ID=EMP-\\d{6}', SOMA_REDACTION_ENABLE: 'mac' },
      },
    );
    expect(result.code).toBe(0);
    const row = (key: string) =>
      JSON.parse(result.stdout).settings.find((r: { key: string }) => r.key === key);
    expect(row('redaction.patterns')).toMatchObject({
      value: 'EMPLOYEE_ID=EMP-\\d{6}',
      source: 'env',
      env: 'SOMA_REDACTION_PATTERNS',
    });
    expect(row('redaction.enable')).toMatchObject({ value: 'MAC', source: 'env' });
    expect(row('redaction.disable')).toMatchObject({ value: '', source: 'default' });
    expect(row('schemas.compatibility')).toMatchObject({
      value: 'conversation.events=FULL',
      source: 'flag',
      from: '--set schemas.compatibility',
    });
  });

  it('a bad configuration value exits 2 with one clear message and no stack trace', async () => {
    const result = await runCli(['config', 'show'], { cwd: cwd(), env: { SOMA_SERVER_PORT: 'eighty' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'server.port = "eighty" (from env SOMA_SERVER_PORT): expected an integer',
    );
    expect(result.stderr).toContain('Hint:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad configuration value under --json is a JSON error on stdout, exit 2', async () => {
    const result = await runCli(['doctor', '--json', '--set', 'kafka.brokers=nope'], { cwd: cwd() });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'CONFIG_INVALID' });
    expectMatchesSchema('error', JSON.parse(result.stdout));
  });

  it('an unknown flag exits 2 with one message and a hint naming --help, the closest flag suggested', async () => {
    const result = await runCli(['doctor', '--profil', 'cluster']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'Error: unknown flag: --profil\nHint: Did you mean --profile? Run `somaagent doctor --help` for the flags.\n',
    );
  });

  it.each([
    ['an unknown flag', ['erase', '--bogus'], 'unknown flag: --bogus'],
    ['a missing required flag', ['erase', '--user', 'alice'], 'missing required flag --tenant'],
    ['missing required flags', ['keys', 'create'], 'missing required flags --subject, --tenant'],
    [
      'a bad option value',
      ['serve', '--role', 'boss'],
      '--role boss: expected one of all, gateway, worker, relay',
    ],
    [
      'a bad integer',
      ['erase', '--user', 'a', '--tenant', 'b', '--max-records', 'ten'],
      '--max-records: expected an integer',
    ],
    ['a missing argument', ['keys', 'revoke'], 'missing required argument: KEYID'],
    ['an unexpected argument', ['keys', 'list', 'acme'], 'unexpected argument: acme'],
    ['a flag without its value', ['keys', 'create', '--tenant'], '--tenant expects a value'],
    ['a flag needing another', ['keys', 'list', '--subject', 'alice'], '--subject needs --tenant'],
  ])(
    '%s: one line and a --help hint on stderr; with --json a JSON error on stdout; exit 2',
    async (_, args, message) => {
      const text = await runCli(args, { cwd: cwd() });
      expect(text.code).toBe(2);
      expect(text.stdout).toBe('');
      const [first, hint, ...rest] = text.stderr.trimEnd().split('\n');
      expect(first).toContain(`Error: ${message}`);
      expect(hint).toMatch(/^Hint: .*--help/);
      expect(rest).toEqual([]);

      const json = await runCli([...args, '--json'], { cwd: cwd() });
      expect(json.code).toBe(2);
      expect(json.stderr).toBe('');
      const body = JSON.parse(json.stdout);
      expectMatchesSchema('error', body);
      expect(body.error.code).toBe('USAGE');
      expect(body.error.message).toContain(message);
      expect(body.error.hint).toContain('--help');
      expect(json.stdout).not.toContain('"parse"');
    },
  );

  it('an unknown command exits 2 and suggests the closest one, also under --json', async () => {
    const text = await runCli(['eras', '--user', 'alice']);
    expect(text.code).toBe(2);
    expect(text.stderr).toBe(
      'Error: unknown command "eras"\nHint: Did you mean `somaagent erase`? Run `somaagent --help` for the commands.\n',
    );
    const nested = await runCli(['keys', 'craete']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('Did you mean `somaagent keys create`?');
    const json = await runCli(['kyes', 'list', '--json']);
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout);
    expectMatchesSchema('error', body);
    expect(body.error).toMatchObject({ code: 'USAGE', message: 'unknown command "kyes list"' });
    expect(body.error.hint).toContain('somaagent keys list');
    const help = await runCli(['help', 'keys', 'craete']);
    expect(help.code).toBe(2);
    expect(help.stderr).toBe(
      'Error: unknown command "keys craete"\nHint: Did you mean `somaagent help keys create`? Run `somaagent --help` for the commands.\n',
    );
  });

  it('a repeatable flag takes one value per occurrence: the next word stays an argument', async () => {
    const redact = await runCli(['redact', '--disable', 'IP', 'hello', '--json']);
    expect(redact.code).toBe(2);
    expect(JSON.parse(redact.stdout).error.message).toBe('unexpected argument: hello');
    const dir = cwd();
    const publish = await runCli(
      ['config', 'publish', '--meta', 'ticket=OPS-1', 'missing.yaml', '--dry-run'],
      {
        cwd: dir,
      },
    );
    expect(publish.code).toBe(2);
    expect(publish.stderr).toContain('missing.yaml');
    const twice = await runCli(
      ['config', 'show', '--set', 'log.level=debug', '--set', 'kafka.clientId=x', '--json'],
      { cwd: dir },
    );
    expect(twice.code).toBe(0);
    const row = (key: string) =>
      JSON.parse(twice.stdout).settings.find((r: { key: string }) => r.key === key);
    expect(row('log.level').value).toBe('debug');
    expect(row('kafka.clientId').value).toBe('x');
  });

  it('a --data-dir that is a file, or below one, exits 2 naming the path and what to do, no stack', async () => {
    const dir = cwd();
    const file = join(dir, 'file');
    writeFileSync(file, '');
    const text = await runCli(['keys', 'list', '--data-dir', file], { cwd: dir });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(`Error: data directory ${file} is a file, not a directory`);
    expect(text.stderr).toMatch(/Hint: .*--data-dir/);
    expect(text.stderr).not.toMatch(/EEXIST|Internal error|\n\s+at /);
    const json = await runCli(['db', 'migrate', '--data-dir', join(file, 'sub'), '--json'], { cwd: dir });
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout);
    expectMatchesSchema('error', body);
    expect(body.error).toMatchObject({ code: 'DATA_DIR_INVALID' });
    expect(body.error.message).toContain(`${file} is a file, not a directory`);
  });

  it('`help COMMAND` shows the help of that command', async () => {
    const result = await runCli(['help', 'erase', 'hold']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('somaagent erase hold --user <value>');
    expect(result.stdout).toContain('EXAMPLES');
  });

  it('an unreadable file names the file and what is wrong with it, not a raw EISDIR/ENOENT', async () => {
    const dir = cwd();
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'bad.yaml'), 'log: [\n');
    const configDir = await runCli(['config', 'show', '--config', 'folder'], { cwd: dir });
    expect(configDir.code).toBe(2);
    expect(configDir.stderr).toContain(`Config file ${join(dir, 'folder')} is a directory, not a file`);
    const badYaml = await runCli(['config', 'show', '--config', 'bad.yaml'], { cwd: dir });
    expect(badYaml.code).toBe(2);
    expect(badYaml.stderr.split('\n')[0]).toMatch(/could not be parsed: .* at line 2, column 1$/);
    expect(badYaml.stderr.split('\n')[1]).toMatch(/^Hint: /);
    const changeDir = await runCli(['config', 'publish', 'folder', '--dry-run'], { cwd: dir });
    expect(changeDir.code).toBe(2);
    expect(changeDir.stderr).toContain('change file folder is a directory, not a file');
    const receipt = await runCli(['erase', 'verify-receipt', 'missing.json', '--offline'], { cwd: dir });
    expect(receipt.code).toBe(2);
    expect(receipt.stderr).toContain('receipt file missing.json does not exist');
    for (const result of [configDir, badYaml, changeDir, receipt]) {
      expect(result.stderr).not.toMatch(/EISDIR|ENOENT|Internal error|\n\s+at /);
    }
  });

  it('a missing config file is blamed on where it came from: --config or SOMA_CONFIG', async () => {
    const dir = cwd();
    const fromEnv = await runCli(['config', 'show'], { cwd: dir, env: { SOMA_CONFIG: 'gone.yaml' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('(from SOMA_CONFIG) does not exist');
    const fromFlag = await runCli(['config', 'show', '--config=gone.yaml'], { cwd: dir });
    expect(fromFlag.stderr).toContain('(from --config) does not exist');
  });

  it('doctor on the embedded profile finds PGlite and the data directory, exit 0', async () => {
    const result = await runCli(['doctor', '--json'], { cwd: cwd() });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expectMatchesSchema('doctor', report);
    expect(report.ok).toBe(true);
    expect(report.engines.map((e: { engine: string }) => e.engine)).toEqual(['pglite', 'filesystem']);
    expect(report.engines[0].version).toMatch(/^PGlite \(PostgreSQL \d+/);
    expect(report.engines[0].details.pgvector).toMatch(/^\d+\.\d+/);
    expect(report.engines[0].details.database).toBe('none yet: created on the first start');
  });

  it('doctor on an unwritable data directory exits 2 and says what to do', async () => {
    const dir = cwd();
    writeFileSync(join(dir, 'file'), '');
    const result = await runCli(['doctor', '--data-dir', join(dir, 'file', 'sub'), '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expectMatchesSchema('doctor', report);
    // Neither engine can use a directory below a file: the database is not reported as reachable either.
    expect(
      report.engines.map((e: { engine: string; reachable: boolean }) => [e.engine, e.reachable]),
    ).toEqual([
      ['pglite', false],
      ['filesystem', false],
    ]);
    expect(report.engines[0].error).toContain(`${join(dir, 'file')} is a file`);
    expect(report.engines[0].hint).toContain('--data-dir');
  });

  it('doctor says when a file is in the way of the database directory alone', async () => {
    const dir = cwd();
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'pglite'), '');
    const result = await runCli(['doctor', '--data-dir', dataDir, '--json'], { cwd: dir });
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(
      report.engines.map((e: { engine: string; reachable: boolean }) => [e.engine, e.reachable]),
    ).toEqual([
      ['pglite', false],
      ['filesystem', true],
    ]);
    expect(report.engines[0].address).toBe(join(dataDir, 'pglite'));
  });
});
