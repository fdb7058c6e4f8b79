import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/cli/usage.js';

describe('closest command or flag', () => {
  it('counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('erase', 'erase')).toBe(0);
    expect(editDistance('eras', 'erase')).toBe(1);
    expect(editDistance('craete', 'create')).toBe(1);
    expect(editDistance('serve', 'server')).toBe(1);
    expect(editDistance('doctor', 'redact')).toBeGreaterThan(3);
  });

  it('suggests a near candidate or a completion, never a far one', () => {
    const ids = ['doctor', 'erase', 'erase:hold', 'keys:create', 'keys:list', 'redact', 'serve'];
    expect(closest('eras', ids)).toBe('erase');
    expect(closest('keys:craete', ids)).toBe('keys:create');
    expect(closest('doc', ids)).toBe('doctor');
    expect(closest('migrate', ids)).toBeUndefined();
    expect(closest('x', ids)).toBeUndefined();
    expect(closest('dry-runn', ['dry-run', 'yes', 'by'])).toBe('dry-run');
  });
});
