import { InvalidInputError } from '../../errors.js';
import { type Candidate, type Detector, type ExtraPattern, placeholderOf } from './pii-types.js';
import { scan } from './scan.js';

const TYPE_NAME = /^[A-Z][A-Z0-9_]{0,31}$/;

/** Normalises a user-given type name (`employee_id` → `EMPLOYEE_ID`), or throws naming it. */
export function checkTypeName(type: string): string {
  const upper = type.trim().toUpperCase();
  if (!TYPE_NAME.test(upper)) {
    throw new InvalidInputError(`redaction type "${type}": expected a name like EMPLOYEE_ID`, {
      hint: 'Use letters, digits and underscores, starting with a letter (at most 32 characters).',
    });
  }
  return upper;
}

/** Compiles a pattern given as a RegExp, `/source/flags` or a bare source, always global. */
export function compilePattern(type: string, pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) {
    return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  }
  const literal = /^\/(.+)\/([dimsuvy]*)$/s.exec(pattern);
  const [source, flags] = literal ? [literal[1]!, literal[2]!] : [pattern, ''];
  try {
    return new RegExp(source, `${flags.replace('g', '')}g`);
  } catch (error) {
    throw new InvalidInputError(
      `redaction pattern for ${type} is not a valid regular expression: ${pattern} (${(error as Error).message})`,
      {
        hint: 'Patterns use JavaScript RegExp syntax, e.g. EMPLOYEE_ID=E-\\d{6} or /emp-\\d+/i.',
        cause: error,
      },
    );
  }
}

/** A detector for one user pattern: every non-empty match is a finding of its type. */
export function extraPatternDetector(extra: ExtraPattern, priority: number): Detector {
  const type = checkTypeName(extra.type);
  const re = compilePattern(type, extra.pattern);
  const placeholder = extra.placeholder ?? placeholderOf(type);
  return {
    type,
    priority,
    detect(text: string, out: Candidate[]): void {
      scan(text, re, (m) => {
        out.push({ type, priority, placeholder, start: m.index, end: m.index + m[0].length });
        return true;
      });
    },
  };
}
