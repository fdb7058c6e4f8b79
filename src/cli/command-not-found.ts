import { type Hook, loadHelpClass } from '@oclif/core';
import { EXIT } from './base-command.js';
import { closest, UsageError } from './usage.js';

/**
 * `somaagent help erase` shows the help of `erase`. `somaagent eras` says the command does not exist,
 * suggests the closest one, exits 2. With `--json`, the error object goes to stdout like every other error.
 */
const hook: Hook<'command_not_found'> = async function commandNotFound({ id, argv, config }) {
  // `somaagent help [COMMAND]`, as many CLIs take it: the same as `somaagent [COMMAND] --help`.
  const asked = id.split(':').slice(1).join(':');
  const helpable =
    asked === '' || config.findCommand(asked) !== undefined || config.findTopic(asked) !== undefined;
  if ((id === 'help' || id.startsWith('help:')) && helpable) {
    const Help = await loadHelpClass(config);
    await new Help(config, config.pjson.oclif.helpOptions).showHelp([
      ...id.split(':').slice(1),
      ...(argv ?? []),
    ]);
    return;
  }
  const separator = config.topicSeparator === ' ' ? ' ' : ':';
  // `help <typo>`: the unknown part is what follows `help`, and the suggestion keeps the `help`.
  const helpFor = id.startsWith('help:') ? 'help ' : '';
  const unknown = helpFor ? asked : id;
  const typed = unknown.replaceAll(':', separator);
  const known = [...config.commandIDs, ...config.topics.map((t) => t.name)];
  const suggestion = closest(unknown, known);
  const hint = suggestion
    ? `Did you mean \`${config.bin} ${helpFor}${suggestion.replaceAll(':', separator)}\`? Run \`${config.bin} --help\` for the commands.`
    : `Run \`${config.bin} --help\` for the commands.`;
  const parts = id.split(':');
  const command = [...Array(parts.length).keys()]
    .map((n) => parts.slice(0, parts.length - n).join(':'))
    .find((prefix) => config.commandIDs.includes(prefix));
  const extra = command === undefined ? [] : parts.slice(command.split(':').length);
  const error = id.startsWith('-')
    ? new UsageError(
        `${id} is not a command: flags go after the command`,
        `Put the command first, e.g. \`${config.bin} doctor --json\`; run \`${config.bin} --help\` for the commands.`,
      )
    : command !== undefined
      ? new UsageError(
          `unexpected argument${extra.length === 1 ? '' : 's'}: ${extra.join(', ')}`,
          `\`${config.bin} ${command.replaceAll(':', separator)}\` takes no arguments (values go after their flag); run \`${config.bin} ${command.replaceAll(':', separator)} --help\` for its flags and examples.`,
        )
      : new UsageError(`unknown command "${typed}"`, hint);
  process.exitCode = EXIT.error;
  if ((argv ?? []).includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
  } else {
    process.stderr.write(`Error: ${error.message}\nHint: ${error.hint}\n`);
  }
};

export default hook;
