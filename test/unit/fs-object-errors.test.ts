import { describe, expect, it } from 'vitest';
import { isSomaError } from '../../src/sdk/errors.js';
import { translateFsError } from '../../src/sdk/stores/objects/fs-object-errors.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

describe('translateFsError', () => {
  it('a full disk is a retriable error whose hint names the volume and no command that does not exist', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const error = translateFsError('/data/objects', errno(code), 'put');
      expect(isSomaError(error)).toBe(true);
      if (!isSomaError(error)) return;
      expect(error.retriable).toBe(true);
      expect(error.message).toBe(`object store /data/objects is full (put): ${code}`);
      expect(error.hint).toBe(
        'Free disk space on the volume of /data/objects (or raise its quota), then retry.',
      );
      expect(error.hint).not.toMatch(/somaagent /);
    }
  });

  it('a refused permission is not retriable and names the root', () => {
    const error = translateFsError('/data/objects', errno('EACCES'), 'get');
    expect(isSomaError(error) && error.retriable).toBe(false);
    expect(isSomaError(error) && error.hint).toContain('/data/objects');
  });
});
