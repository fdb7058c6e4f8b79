import { userInfo } from 'node:os';
import type { SomaConfig } from '../sdk/config/schema.js';
import { openRecords } from '../sdk/stores/records/open-records.js';
import type { Records } from '../sdk/stores/records/records.js';

/**
 * Runs `work` on the configured records database (migrated first, as every process does at start) and
 * closes it afterwards, also when `work` throws. `purpose` names the command in the embedded lock. Beside a
 * running embedded server it works through that server's database socket and says so on stderr.
 */
export async function withRecords<T>(
  config: SomaConfig,
  purpose: string,
  work: (records: Records) => Promise<T>,
): Promise<T> {
  const records = await openRecords(config, {
    purpose,
    notice: (message) => process.stderr.write(`Note: ${message}\n`),
  });
  try {
    return await work(records);
  } finally {
    await records.close();
  }
}

/** The audit actor of a command run by a person: `cli:<login name>` (`cli` when the name is unknown). */
export function cliActor(): string {
  try {
    const name = userInfo().username;
    return /^[\w.@-]{1,64}$/.test(name) ? `cli:${name}` : 'cli';
  } catch {
    return 'cli';
  }
}
