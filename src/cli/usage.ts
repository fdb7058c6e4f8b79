import { SomaError } from '../sdk/errors.js';

/**
 * A mistake in the command line itself (unknown command or flag, missing or malformed flag value, an
 * unexpected argument): exit 2, one message, and a hint pointing at `--help`.
 */
export class UsageError extends SomaError {
  override readonly userError = true;
  constructor(message: string, hint: string) {
    super('USAGE', message, { hint });
  }
}

/** Edit distance between two strings (insertions, deletions, substitutions and swaps of neighbours). */
export function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `input`, if it is close enough to be what was meant: within a third of the
 * longer word's length (at least 1 edit, at most 3), or a candidate that starts with `input`.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(input) && input.length >= 2 ? 0.5 : editDistance(input, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, best.length) / 3)));
  return bestDistance <= allowed ? best : undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal colour codes oclif adds.
const ANSI = /\u001b\[[0-9;]*m/g;

/** Flag names, `--name`, from the parser's description of a flag definition. */
interface ParserFlag {
  readonly name?: string;
}

/**
 * Turns an error of the oclif parser into a {@link UsageError}: one message without oclif's boilerplate
 * ("The following error occurred", "See more help with --help"), naming flags as typed (`--tenant`), and a
 * hint naming `<bin> <command> --help`; an unknown flag gets the closest real one as a suggestion.
 */
export function usageErrorFrom(
  error: Error & { flags?: unknown; args?: unknown },
  command: { readonly bin: string; readonly id: string; readonly flagNames: readonly string[] },
): UsageError {
  const help = `\`${command.bin} ${command.id} --help\``;
  let message = error.message
    .replace(ANSI, '')
    .replace(/\n?See more help with --help\s*$/, '')
    .replace(/^The following errors? occurred:\s*/, '')
    .trim();
  let hint = `Run ${help} for the flags, arguments and examples.`;

  const parsing = /^Parsing (--[\w-]+)\s*\n\s*([\s\S]*)$/.exec(message);
  if (parsing) {
    const reason = (parsing[2] ?? '').trim();
    message = `${parsing[1]}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
  }

  if (Array.isArray(error.flags) && /^Nonexistent flag/.test(message)) {
    const unknown = (error.flags as string[]).map(String);
    message = `unknown flag${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`;
    const suggestion = closest(
      (unknown[0] ?? '').replace(/^-+/, '').replace(/=.*$/, ''),
      command.flagNames.filter((name) => name !== 'json'),
    );
    if (suggestion) hint = `Did you mean --${suggestion}? Run ${help} for the flags.`;
  } else if (/^Missing \d+ required args?/.test(message) && Array.isArray(error.args)) {
    const names = (error.args as ParserFlag[]).map((a) => String(a.name ?? '').toUpperCase());
    message = `missing required argument${names.length === 1 ? '' : 's'}: ${names.join(', ')}`;
  } else if (/^Unexpected arguments?: /.test(message)) {
    message = message.replace(/^Unexpected (arguments?): /, 'unexpected $1: ');
    hint = `A flag takes one value: repeat it for more (--set A=1 --set B=2) and quote a value with spaces. Run ${help} for the arguments.`;
  }
  message = message
    .replace(/Missing required flag ([\w-]+)/g, 'missing required flag --$1')
    .replace(/All of the following must be provided when using (--[\w-]+): /g, '$1 needs ')
    .replace(/^Flag (--[\w-]+) /, '$1 ')
    .replace(/^Expected (--[\w-]+)=(.*) to be one of: /, '$1 $2: expected one of ');
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const missing = lines.flatMap((line) => /^missing required flag (--[\w-]+)$/.exec(line)?.[1] ?? []);
  const others = lines.filter((line) => !line.startsWith('missing required flag '));
  if (missing.length > 1) others.unshift(`missing required flags ${missing.join(', ')}`);
  else if (missing.length === 1) others.unshift(`missing required flag ${missing[0]}`);
  return new UsageError(others.join('; '), hint);
}
