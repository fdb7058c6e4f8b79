import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** A `somaagent serve` child process. */
export interface ServeProcess {
  readonly url: string;
  readonly key: string | null;
  readonly dataDir: string;
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the built CLI's `serve --port 0 --json` (as users run it) in a fresh data directory unless one is
 * given, and waits for its ready line.
 */
export async function startServe(
  args: string[] = [],
  options: { dataDir?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'soma-serve-'));
  const child = spawn(
    process.execPath,
    [`${ROOT}bin/run.js`, 'serve', '--port', '0', '--json', '--data-dir', dataDir, ...args],
    {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string; bootstrapKey: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not become ready in time.\nstdout: ${out}\nstderr: ${err}`));
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready.\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  return {
    url: ready.url,
    key: ready.bootstrapKey,
    dataDir,
    child,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Reads a Server-Sent Events response into `{event, data}` pairs. */
export async function readSse(
  response: Response,
): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '{}';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/** Creates a conversation on `server` with its first-start key; returns its id. */
export async function createConversation(server: ServeProcess): Promise<string> {
  const response = await fetch(new URL('/v1/conversations', server.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.key}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  if (response.status !== 201) throw new Error(`creating a conversation answered ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}
