import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const run = promisify(execFile);

/** The package as users get it: `npm pack`, installed into a fresh project. */
describe('packed package', () => {
  const project = mkdtempSync(join(tmpdir(), 'soma-pack-'));

  beforeAll(async () => {
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--pack-destination', project, '--ignore-scripts'],
      {
        cwd: ROOT,
      },
    );
    const tarball = join(project, JSON.parse(stdout)[0].filename);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
      {
        cwd: project,
      },
    );
  }, 300_000);

  it('imports the SDK by its package name, with types', async () => {
    writeFileSync(
      join(project, 'check.mjs'),
      `import { resolveConfig, SomaError, VERSION } from 'somaagent';
       const { config } = resolveConfig({ env: {}, cwd: process.cwd() });
       console.log(JSON.stringify({ version: VERSION, profile: config.profile, error: new SomaError('X', 'y') instanceof Error }));`,
    );
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      profile: 'embedded',
      error: true,
    });
    // The exports map carries types: a strict TypeScript consumer type-checks against them.
    writeFileSync(
      join(project, 'check.ts'),
      `import { resolveConfig, type SomaConfig } from 'somaagent';
       const config: SomaConfig = resolveConfig({ env: {} }).config;
       const port: number = config.server.port;
       export { port };`,
    );
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--noEmit',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        'check.ts',
      ],
      { cwd: project },
    );
  });

  it('runs its bin', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/somaagent'), ['--help'], { cwd: project });
    expect(stdout).toContain('doctor');
    const { stdout: show } = await run(
      join(project, 'node_modules/.bin/somaagent'),
      ['config', 'show', '--json'],
      {
        cwd: project,
      },
    );
    expect(JSON.parse(show).settings.length).toBeGreaterThan(10);
  });

  it('runs examples/quickstart.ts against the installed package: type-checked, then executed', async () => {
    copyFileSync(join(ROOT, 'examples/quickstart.ts'), join(project, 'quickstart.ts'));
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules/@types'),
        '--outDir',
        'out',
        'quickstart.ts',
      ],
      { cwd: project },
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-example-'));
    const { stdout } = await run(process.execPath, ['out/quickstart.js', dataDir], {
      cwd: project,
      timeout: 120_000,
    });
    expect(stdout).toContain('tool run_javascript started');
    expect(stdout).toMatch(/tool run_javascript: ok .*2,4,6|tool run_javascript: ok .*\[2,4,6\]/);
    expect(stdout).toMatch(/reply: .+/);
    expect(stdout).toContain('history: 2 messages');
  }, 180_000);
  it('ships the chat page, found by the installed module that serves it', async () => {
    writeFileSync(
      join(project, 'ui.mjs'),
      // By file path: the module is internal (the gateway uses it), not in the package's exports map.
      `import { loadUiAssets } from './node_modules/somaagent/dist/runtime/ui-assets.js';
       console.log(JSON.stringify(loadUiAssets().map((a) => [a.path, a.contentType, a.body.length > 0])));`,
    );
    const { stdout } = await run(process.execPath, ['ui.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual([
      ['/api.js', 'text/javascript; charset=utf-8', true],
      ['/app.js', 'text/javascript; charset=utf-8', true],
      ['/dom.js', 'text/javascript; charset=utf-8', true],
      ['/', 'text/html; charset=utf-8', true],
      ['/style.css', 'text/css; charset=utf-8', true],
    ]);
  });
});
