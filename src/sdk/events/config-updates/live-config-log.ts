import type { ConfigUpdateRejection } from './live-config-types.js';

/** Severity of a {@link ConfigUpdateLogLine}. */
export type ConfigLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Context a subscriber adds to every line about one message. */
export interface LogExtras {
  /** Where the message came from, e.g. `config.updates[0]@41`. */
  readonly source?: string;
  readonly key?: string;
  readonly changeSet?: string;
  /** On `out-of-order`: the version the runtime waits for. */
  readonly expectedVersion?: number;
}

/**
 * One structured log line of the live configuration. `event` is one of `config_update_applied`,
 * `config_update_buffered`, `config_update_ignored`, `config_update_rejected` (with `reason`),
 * `config_snapshot_applied`, `config_snapshot_rejected`, `config_recover_failed` or `config_listener_failed`.
 */
export interface ConfigUpdateLogLine extends LogExtras {
  readonly level: ConfigLogLevel;
  readonly event: string;
  readonly message: string;
  /** Version of the update the line is about (null when it could not be read). */
  readonly version: number | null;
  /** Version running after the line's event. */
  readonly runningVersion: number;
  readonly reason?: ConfigUpdateRejection;
}

/** Receives the live configuration's log lines. */
export type ConfigUpdateLogger = (line: ConfigUpdateLogLine) => void;

const RANK: Record<ConfigLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger writing one JSON object per line (with `time`) to `write` (default: stderr), dropping lines
 * below `level` (default `info`).
 */
export function jsonLineLogger(
  options: { level?: ConfigLogLevel; write?: (text: string) => void } = {},
): ConfigUpdateLogger {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  return (line) => {
    if (RANK[line.level] < min) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  };
}
