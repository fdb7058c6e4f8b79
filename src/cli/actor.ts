import { userInfo } from 'node:os';

/** The operator's login name: the default actor of commands that write to the audit log. */
export function defaultActor(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}
