import { SomaError } from '../sdk/errors.js';

/** Where a listener was told to listen, and the settings (flags, config keys) that chose it. */
export interface ListenTarget {
  /** What listens, e.g. `gateway` or `worker`. */
  readonly what: string;
  readonly host: string;
  readonly port: number;
  /** How the port is set, e.g. `--port (server.port)`. */
  readonly portSetting: string;
  /** How the host is set, e.g. `--host (server.host)`. */
  readonly hostSetting: string;
  /** How to choose another port, e.g. `pass another --port (0 picks a free one)`. */
  readonly otherPort: string;
}

/** A listener could not start because of where it was told to listen: a mistake of the caller, exit 2. */
export class ListenError extends SomaError {
  override readonly userError = true;
}

/**
 * Turns a failed `listen`/`bind` into a {@link ListenError} naming the port or host and the setting that
 * chose it, when the cause is the address (in use, not on this machine, privileged); `undefined` otherwise.
 * gRPC reports the socket error inside its own message, so the code is also looked for in the text.
 */
export function listenError(error: unknown, target: ListenTarget): ListenError | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  const text = `${code ?? ''} ${error instanceof Error ? error.message : String(error)}`;
  const details = { host: target.host, port: target.port };
  const port = `port ${target.port} on ${target.host}`;
  if (/EADDRINUSE/.test(text)) {
    return new ListenError(
      'ADDRESS_IN_USE',
      `${port} is in use: the ${target.what} cannot listen (${target.portSetting})`,
      {
        hint: `Stop the process that listens there, or ${target.otherPort}.`,
        cause: error,
        details,
      },
    );
  }
  if (/EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/.test(text)) {
    return new ListenError(
      'ADDRESS_NOT_AVAILABLE',
      `${target.host} is not an address of this machine: the ${target.what} cannot listen (${target.hostSetting})`,
      {
        hint: 'Use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or an address of one of its interfaces.',
        cause: error,
        details,
      },
    );
  }
  if (/EACCES/.test(text)) {
    return new ListenError(
      'ADDRESS_NOT_PERMITTED',
      `${port} needs privileges: the ${target.what} cannot listen (${target.portSetting})`,
      {
        hint: `Ports below 1024 need privileges: ${target.otherPort}.`,
        cause: error,
        details,
      },
    );
  }
  return undefined;
}
