import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirError, ensureDataDirectory } from '../../src/sdk/engines/data-dir.js';
import { DataDirLockedError, dataDirOwner, lockDataDir } from '../../src/sdk/engines/data-dir-lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'soma-lock-'));

describe('data directory lock', () => {
  it('is exclusive, names its owner, and is free again after release', () => {
    const dataDir = dir();
    const lock = lockDataDir(dataDir, 'serve', 'postgres://127.0.0.1:5999');
    expect(dataDirOwner(dataDir)).toMatchObject({ pid: process.pid, purpose: 'serve' });
    const error = (() => {
      try {
        lockDataDir(dataDir, 'db migrate');
      } catch (e) {
        return e as DataDirLockedError;
      }
    })();
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect(error?.message).toContain(`process ${process.pid} (serve`);
    expect(error?.hint).toContain('postgres://127.0.0.1:5999');
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lockDataDir(dataDir, 'again').release();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dataDir = dir();
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid as number;
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(
      join(dataDir, 'somaagent.lock'),
      JSON.stringify({ pid, host: hostname(), since: new Date().toISOString(), purpose: 'serve' }),
    );
    expect(dataDirOwner(dataDir)).toBeUndefined();
    const lock = lockDataDir(dataDir, 'doctor');
    expect(dataDirOwner(dataDir)?.pid).toBe(process.pid);
    lock.release();
  });
});

describe('data directory checks', () => {
  const failure = (path: string, what?: string) => {
    try {
      ensureDataDirectory(path, what);
    } catch (error) {
      return error as DataDirError;
    }
    throw new Error('expected a DataDirError');
  };

  it('creates a missing directory, nested too', () => {
    const nested = join(dir(), 'a', 'b');
    ensureDataDirectory(nested);
    expect(existsSync(nested)).toBe(true);
  });

  it('names the path and the file in the way, with what to do (no raw EEXIST/ENOTDIR)', () => {
    const root = dir();
    const file = join(root, 'file');
    writeFileSync(file, '');
    const itself = failure(file);
    expect(itself).toBeInstanceOf(DataDirError);
    expect(itself).toMatchObject({ code: 'DATA_DIR_INVALID', userError: true });
    expect(itself.message).toBe(`data directory ${file} is a file, not a directory`);
    expect(itself.hint).toContain('--data-dir');
    const below = failure(join(file, 'sub', 'pglite'), 'PGlite directory');
    expect(below.message).toBe(
      `PGlite directory ${join(file, 'sub', 'pglite')} cannot be created: ${file} is a file, not a directory`,
    );
    expect(below.hint).toContain(`Move ${file} out of the way`);
  });

  it('lockDataDir reports a file in the way the same way', () => {
    const file = join(dir(), 'file');
    writeFileSync(file, '');
    expect(() => lockDataDir(file, 'serve')).toThrow(DataDirError);
  });

  it('lockDataDir names a directory where its lock file goes, and leaves it alone', () => {
    const data = dir();
    mkdirSync(join(data, 'somaagent.lock', 'inside'), { recursive: true });
    let error: unknown;
    try {
      lockDataDir(data, 'serve');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataDirError);
    expect((error as Error).message).toBe(
      `lock file ${join(data, 'somaagent.lock')} is a directory, so the data directory cannot be locked`,
    );
    expect((error as DataDirError).hint).toMatch(/remove it/);
    expect(existsSync(join(data, 'somaagent.lock', 'inside'))).toBe(true);
  });
});
