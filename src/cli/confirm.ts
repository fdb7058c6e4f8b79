import { createInterface } from 'node:readline/promises';
import { InvalidInputError } from '../sdk/errors.js';

/** True when a person can answer a prompt: stdin and stderr are terminals. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Asks on stderr for `expected` to be typed back (a destructive action's confirmation). Without a terminal
 * it refuses with an `InvalidInputError` (exit 2) naming `yesFlag`, never assuming consent.
 */
export async function confirmByTyping(
  question: string,
  expected: string,
  yesFlag = '--yes',
): Promise<boolean> {
  if (!canPrompt()) {
    throw new InvalidInputError('refusing to proceed without confirmation: stdin is not a terminal', {
      hint: `Review the plan (--dry-run), then pass ${yesFlag} to confirm non-interactively.`,
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} `);
    return answer.trim() === expected;
  } finally {
    rl.close();
  }
}
