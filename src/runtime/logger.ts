/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A structured logger: one line per event, fields as key=value (people) or one JSON object (machines). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines carry `fields` too (e.g. the component). */
  child(fields: Record<string, unknown>): Logger;
  /** Changes the level at run time (config.updates may do it). */
  setLevel(level: LogLevel): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** `json`: one JSON object per line; `text`: time, level, message and key=value pairs. */
  readonly format?: 'json' | 'text';
  /** Where lines go; stderr by default, so stdout stays for results. */
  readonly write?: (line: string) => void;
}

/** A logger writing to stderr (by default). */
export function createLogger(options: LoggerOptions, base: Record<string, unknown> = {}): Logger {
  const state = { level: options.level };
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const format = options.format ?? 'text';
  const make = (bound: Record<string, unknown>): Logger => {
    const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[level] < ORDER[state.level]) return;
      const all = { ...bound, ...fields };
      if (format === 'json') {
        write(JSON.stringify({ time: new Date().toISOString(), level, message, ...all }));
        return;
      }
      const pairs = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
      write([new Date().toISOString(), level.toUpperCase().padEnd(5), message, ...pairs].join(' '));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => make({ ...bound, ...fields }),
      setLevel: (level) => {
        state.level = level;
      },
    };
  };
  return make(base);
}
