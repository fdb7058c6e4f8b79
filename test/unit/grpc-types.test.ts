import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('generated gRPC types', () => {
  it('match schemas/grpc/*.proto (regenerate with `npm run gen:grpc`)', () => {
    const out = mkdtempSync(join(tmpdir(), 'soma-grpc-'));
    execFileSync('bash', ['scripts/gen-grpc-types.sh', out], { cwd: ROOT, stdio: 'pipe' });
    const committedDir = join(ROOT, 'src/runtime/worker/generated');
    const fresh = files(out)
      .map((f) => relative(out, f))
      .sort();
    expect(
      files(committedDir)
        .map((f) => relative(committedDir, f))
        .sort(),
    ).toEqual(fresh);
    for (const file of fresh) {
      expect(readFileSync(join(committedDir, file), 'utf8'), file).toBe(
        readFileSync(join(out, file), 'utf8'),
      );
    }
  }, 60_000);
});
