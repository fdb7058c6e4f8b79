import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxLimitsFromConfig } from '../../src/sdk/agent/tools/sandbox/sandbox-limits.js';
import {
  ConfigError,
  DEFAULT_SANDBOX_LIMITS,
  describeConfig,
  resolveConfig,
  toolExecutorOptionsFromConfig,
} from '../../src/sdk/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'soma-config-tools-'));

describe('tools.* configuration', () => {
  it('defaults to the sandbox defaults', () => {
    const { config } = resolveConfig({ env: {}, cwd });
    expect(config.tools).toEqual({
      timeout: 2000,
      memoryLimit: 32 * 1024 * 1024,
      stackLimit: 256 * 1024,
      outputLimit: 1024 * 1024,
      artifactThreshold: 16 * 1024,
      concurrency: 2,
    });
    expect(sandboxLimitsFromConfig(config)).toEqual(DEFAULT_SANDBOX_LIMITS);
  });

  it('reads sizes with units and durations from SOMA_TOOLS_* and shows them back in the same form', () => {
    const { config, origins } = resolveConfig({
      cwd,
      env: {
        SOMA_TOOLS_TIMEOUT: '500ms',
        SOMA_TOOLS_MEMORY_LIMIT: '64MiB',
        SOMA_TOOLS_STACK_LIMIT: '512KiB',
        SOMA_TOOLS_OUTPUT_LIMIT: '65536',
        SOMA_TOOLS_ARTIFACT_THRESHOLD: '2kb',
        SOMA_TOOLS_CONCURRENCY: '4',
      },
    });
    expect(toolExecutorOptionsFromConfig(config)).toEqual({
      limits: { timeoutMs: 500, memoryBytes: 64 * 1024 * 1024, stackBytes: 512 * 1024, outputBytes: 65536 },
      artifactThresholdBytes: 2000,
      concurrency: 4,
    });
    expect(origins['tools.memoryLimit']).toEqual({ source: 'env', from: 'SOMA_TOOLS_MEMORY_LIMIT' });
    const shown = Object.fromEntries(
      describeConfig(resolveConfig({ cwd, env: { SOMA_TOOLS_MEMORY_LIMIT: '64MiB' } }))
        .filter((row) => row.key.startsWith('tools.'))
        .map((row) => [row.key, row.value]),
    );
    expect(shown).toMatchObject({
      'tools.timeout': '2s',
      'tools.memoryLimit': '64MiB',
      'tools.outputLimit': '1MiB',
    });
  });

  it('names each bad tools value with its expected form', () => {
    let error: unknown;
    try {
      resolveConfig({
        cwd,
        env: { SOMA_TOOLS_MEMORY_LIMIT: '2GiB', SOMA_TOOLS_TIMEOUT: '5ms', SOMA_TOOLS_CONCURRENCY: 'many' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(
      'tools.memoryLimit = "2GiB" (from env SOMA_TOOLS_MEMORY_LIMIT): expected a size from 1MiB to 1GiB',
    );
    expect(message).toContain('tools.timeout = "5ms"');
    expect(message).toContain('tools.concurrency = "many"');
  });
});
