import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { InvalidInputError } from '../../errors.js';

const GIT_TIMEOUT_MS = 15_000;

/** Files as they are at one git ref. */
export interface GitRefReader {
  /** The ref as given, e.g. `main` or `HEAD~1`. */
  readonly ref: string;
  /** The commit it resolves to. */
  readonly commit: string;
  /** The text of `file` (a path on disk inside the work tree) at the ref, or null when absent there. */
  read(file: string): Promise<string | null>;
}

/**
 * Opens `ref` of the git repository holding `dir`. A `dir` outside a git work tree, or a ref that does not
 * name a commit, is an {@link InvalidInputError} (the CLI exits 2).
 */
export async function openGitRef(dir: string, ref: string): Promise<GitRefReader> {
  if (ref.startsWith('-') || ref.trim() === '') {
    throw new InvalidInputError(`--against ${JSON.stringify(ref)}: not a git ref`);
  }
  let top: string;
  try {
    top = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
  } catch (error) {
    throw new InvalidInputError(`--against ${ref}: ${dir} is not inside a git work tree`, {
      cause: error,
      hint: 'Run from a clone of the repository, or drop --against to compare with schemas/kafka/history only.',
    });
  }
  let commit: string;
  try {
    commit = (await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch (error) {
    throw new InvalidInputError(`--against ${ref}: no such git ref in ${top}`, {
      cause: error,
      hint: 'Fetch it first (e.g. `git fetch origin main`) or name an existing branch, tag or commit.',
    });
  }
  const root = realpathSync(top);
  return {
    ref,
    commit,
    async read(file) {
      const path = relative(root, realpathSync(file)).split(sep).join('/');
      try {
        await git(root, ['cat-file', '-e', `${commit}:${path}`]);
      } catch {
        return null;
      }
      return git(root, ['show', `${commit}:${path}`]);
    },
  };
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-C', cwd, ...args],
      { timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}
