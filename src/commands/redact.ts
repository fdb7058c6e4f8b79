import { Flags } from '@oclif/core';
import { BaseCommand, EXIT } from '../cli/base-command.js';
import { InvalidInputError } from '../sdk/errors.js';
import {
  type ExtraPattern,
  OPT_IN_TYPES,
  PII_TYPES,
  redactorFromConfig,
} from '../sdk/events/redaction/index.js';

/** JSON result of `somaagent redact`: spans and types only, never the matched values. */
export interface RedactResult {
  readonly text: string;
  readonly findings: ReadonlyArray<{
    type: string;
    start: number;
    end: number;
    length: number;
    placeholder: string;
  }>;
  readonly counts: Record<string, number>;
  readonly offsets: 'utf16';
}

export default class Redact extends BaseCommand<typeof Redact> {
  static override summary = 'Redact personal data and secrets from text, to try the redaction rules.';
  static override description =
    `Reads text on stdin (or --text) and writes it with e-mail addresses, phone numbers, payment cards, IBANs, IP addresses, US SSNs and secrets replaced by typed placeholders ([EMAIL], [PHONE], [CARD], [IBAN], [IP], [SSN], [SECRET]), exactly as events are redacted before they are encoded.
The rules are the configuration's (redaction.disable, redaction.enable, redaction.patterns: file, SOMA_REDACTION_*, or --set) plus the flags: --pattern adds rules, and a type named by --enable or --disable follows the flag.
--json lists each finding's type and span (UTF-16 code unit offsets into the input, end exclusive) but never the matched value: the output is meant to be pasted into tickets and CI logs, which must not receive the secrets it found.
Exit 0, or 1 with --fail-on-findings when anything was found, 2 on bad input (no stdin, unknown type, invalid pattern, invalid configuration).`;
  static override examples = [
    {
      description: 'Redact a line',
      command: `echo 'mail jane@example.com or call +44 20 7946 0958' | <%= config.bin %> <%= command.id %>`,
    },
    {
      description: 'See what was found, and where',
      command: `<%= config.bin %> <%= command.id %> --text 'card 4111 1111 1111 1111' --json`,
    },
    {
      description: 'Add a rule and keep IP addresses',
      command: `<%= config.bin %> <%= command.id %> --pattern 'EMPLOYEE_ID=EMP-\\d{6}' --disable IP < chat.log`,
    },
    {
      description: 'Try a rule as the configuration would hold it',
      command: `<%= config.bin %> <%= command.id %> --set 'redaction.patterns=TICKET=JIRA-\\d+' --set redaction.enable=MAC < chat.log`,
    },
    {
      description: 'Fail a CI step when a fixture contains personal data',
      command: '<%= config.bin %> <%= command.id %> --fail-on-findings < fixtures/sample.txt > /dev/null',
    },
  ];

  static override flags = {
    text: Flags.string({ description: 'Text to redact, instead of reading stdin.' }),
    disable: Flags.string({
      description: `Built-in type not to detect (repeatable): ${PII_TYPES.filter((t) => !OPT_IN_TYPES.includes(t)).join(', ')}.`,
      multiple: true,
      multipleNonGreedy: true,
    }),
    enable: Flags.string({
      description: `Opt-in type to detect too (repeatable): ${OPT_IN_TYPES.join(', ')}.`,
      multiple: true,
      multipleNonGreedy: true,
    }),
    pattern: Flags.string({
      description:
        'Extra rule TYPE=REGEX (repeatable), JavaScript RegExp syntax, /source/flags accepted; replaced by [TYPE].',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'fail-on-findings': Flags.boolean({ description: 'Exit 1 when anything was found (for CI).' }),
  };

  async run(): Promise<RedactResult> {
    const redactor = redactorFromConfig(this.loadConfig().config, {
      disable: this.flags.disable ?? [],
      enable: this.flags.enable ?? [],
      extraPatterns: (this.flags.pattern ?? []).map(parsePattern),
    });
    const input = this.flags.text ?? (await readStdin());
    const result = redactor.redact(input);
    const counts: Record<string, number> = {};
    for (const f of result.findings) counts[f.type] = (counts[f.type] ?? 0) + 1;
    if (!this.jsonEnabled()) {
      process.stdout.write(this.flags.text === undefined ? result.text : `${result.text}\n`);
      if (process.stderr.isTTY && result.findings.length > 0) {
        const summary = Object.entries(counts).map(([type, n]) => `${type} ×${n}`);
        process.stderr.write(`redacted ${result.findings.length}: ${summary.join(', ')}\n`);
      }
    }
    process.exitCode = this.flags['fail-on-findings'] && result.findings.length > 0 ? EXIT.findings : EXIT.ok;
    return {
      text: result.text,
      findings: result.findings.map((f) => ({
        type: f.type,
        start: f.start,
        end: f.end,
        length: f.end - f.start,
        placeholder: f.placeholder,
      })),
      counts,
      offsets: 'utf16',
    };
  }
}

function parsePattern(flag: string): ExtraPattern {
  const at = flag.indexOf('=');
  if (at <= 0 || at === flag.length - 1) {
    throw new InvalidInputError(`--pattern ${flag}: expected TYPE=REGEX`, {
      hint: 'For example --pattern EMPLOYEE_ID=EMP-\\d{6}',
    });
  }
  return { type: flag.slice(0, at), pattern: flag.slice(at + 1) };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new InvalidInputError('no input: stdin is a terminal and no --text was given', {
      hint: "Pipe text in (somaagent redact < file.txt) or pass --text 'some text'.",
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
