import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { type ResolvedConfig, resolveConfig } from '../sdk/config/resolve.js';
import { InvalidInputError, isSomaError, type SomaError } from '../sdk/errors.js';
import { usageErrorFrom } from './usage.js';

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** Exit codes every command keeps: 0 all good, 1 findings, 2 error. */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/**
 * Base of every somaagent command: `--json`, the configuration flags, one resolved config, and errors
 * printed as one clear message (no stack trace for user mistakes) with exit code 2.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      description:
        'Path of a somaagent.config.yaml or .json file (default: ./somaagent.config.yaml|yml|json).',
      helpGroup: 'CONFIG',
      env: 'SOMA_CONFIG',
    }),
    profile: Flags.option({
      options: ['embedded', 'cluster'] as const,
      description: 'embedded: no services; cluster: Redis, Postgres, Qdrant, S3, Kafka.',
      helpGroup: 'CONFIG',
    })(),
    'data-dir': Flags.string({ description: 'Directory of the embedded profile data.', helpGroup: 'CONFIG' }),
    set: Flags.string({
      description: 'Set any configuration key, e.g. --set redis.url=redis://host:6379 (repeatable).',
      helpGroup: 'CONFIG',
      multiple: true,
      multipleNonGreedy: true,
    }),
  };

  protected flags!: CommandFlags<T>;
  protected args!: CommandArgs<T>;
  private resolvedConfig: ResolvedConfig | undefined;

  public override async init(): Promise<void> {
    await super.init();
    let parsed: Awaited<ReturnType<typeof this.parse>>;
    try {
      parsed = await this.parse({
        flags: this.ctor.flags,
        baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
        enableJsonFlag: this.ctor.enableJsonFlag,
        args: this.ctor.args,
        strict: this.ctor.strict,
      });
    } catch (error) {
      if (isSomaError(error) || !(error instanceof Error)) throw error;
      throw usageErrorFrom(error, {
        bin: this.config.bin,
        id: (this.id ?? '').replaceAll(':', ' '),
        flagNames: Object.keys({ ...this.ctor.baseFlags, ...this.ctor.flags }),
      });
    }
    const { args, flags } = parsed;
    this.flags = flags as CommandFlags<T>;
    this.args = args as CommandArgs<T>;
  }

  /** The configuration resolved from flags, environment, file and defaults (once per command). */
  protected loadConfig(): ResolvedConfig {
    if (!this.resolvedConfig) {
      const flags = this.flags as CommandFlags<typeof BaseCommand>;
      const overrides: Record<string, unknown> = {};
      for (const assignment of flags.set ?? []) {
        const at = assignment.indexOf('=');
        if (at <= 0) {
          throw new InvalidInputError(`--set ${assignment}: expected KEY=VALUE`, {
            hint: 'For example --set redis.url=redis://127.0.0.1:6379; `somaagent config show` lists the keys.',
          });
        }
        overrides[assignment.slice(0, at).trim()] = assignment.slice(at + 1);
      }
      Object.assign(overrides, this.configOverrides());
      if (flags.profile) overrides.profile = flags.profile;
      if (flags['data-dir']) overrides.dataDir = flags['data-dir'];
      // oclif fills --config from SOMA_CONFIG too; only a --config typed on the command line is named as such.
      const typed = this.argv.some((arg) => arg === '--config' || arg.startsWith('--config='));
      this.resolvedConfig = resolveConfig({
        flags: overrides,
        configFile: typed ? flags.config : undefined,
      });
      for (const warning of this.resolvedConfig.warnings) this.warnOnce(warning);
    }
    return this.resolvedConfig;
  }

  /** Configuration keys a command's own flags set (e.g. `serve --port` sets `server.port`). */
  protected configOverrides(): Record<string, unknown> {
    return {};
  }

  /** Prints a note on stderr (e.g. which path to the data a command took). */
  protected notice = (message: string): void => {
    process.stderr.write(`Note: ${message}\n`);
  };

  /** Prints a warning on stderr (never on stdout, so `--json` stays parseable). */
  protected warnOnce(message: string): void {
    process.stderr.write(`Warning: ${message}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (isSomaError(error)) {
      process.exitCode = EXIT.error;
      const soma = error as SomaError;
      if (this.jsonEnabled()) {
        this.logJson({
          error:
            typeof soma.toJSON === 'function' ? soma.toJSON() : { code: soma.code, message: soma.message },
        });
      } else {
        process.stderr.write(`Error: ${soma.message}\n`);
        if (soma.hint) process.stderr.write(`Hint: ${soma.hint}\n`);
      }
      return undefined;
    }
    if (error instanceof Errors.CLIError || (error as { oclif?: unknown }).oclif) {
      process.exitCode = error.exitCode ?? EXIT.error;
      return super.catch(error);
    }
    process.exitCode = EXIT.error;
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: 'INTERNAL', message: error.message } });
      return undefined;
    }
    process.stderr.write(
      `Internal error (a bug in somaagent, please report it): ${error.message}\n${error.stack ?? ''}\n`,
    );
    return undefined;
  }
}
