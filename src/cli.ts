/**
 * The `switchgate` command: start, migrate, check-config, replay, demo, simulate.
 * Environment: PORT, HOST, DATABASE_URL, DATA_DIR, SWITCHGATE_CONFIG, LOG_LEVEL.
 *
 * Every command parses its arguments with node:util parseArgs before it touches anything, so
 * `--help` never opens a database and an unknown flag is an error. Problems an operator can fix
 * (bad environment, unreachable database, busy port, locked data directory, invalid config) are
 * one line and a non-zero exit; only bugs print a stack trace.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config/load.js';
import { StartupError } from './cli/startup-error.js';
import { COMMANDS, UsageError, type Command } from './cli/commands.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: switchgate <command> [options]      (switchgate <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'options: --help, --version',
    'environment: PORT (8080), HOST (127.0.0.1), DATABASE_URL (unset: embedded PGlite), DATA_DIR (./data),',
    '             SWITCHGATE_CONFIG (config/default.json), LOG_LEVEL (info)',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `usage: switchgate ${c.name} ${c.usage}\n\n${c.summary}\n${c.help ? `\n${c.help}\n` : ''}`;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === undefined) throw new UsageError('no command given');
    console.log(overview());
    return;
  }
  if (first === '--version' || first === '-v') {
    console.log(VERSION);
    return;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) throw new UsageError(first.startsWith('-') ? `unknown option: ${first}` : `unknown command: ${first}`);
  const delegate = rest[0] !== undefined ? command.delegates?.[rest[0]] : undefined;
  if (delegate) return delegate(rest.slice(1));
  const config: ParseArgsConfig = {
    args: rest,
    options: { help: { type: 'boolean', short: 'h' }, ...command.options },
    allowPositionals: true,
    strict: true,
  };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message, command);
  }
  if (parsed.values.help) {
    console.log(commandHelp(command));
    return;
  }
  const max = command.positionals ?? 0;
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[max]}`, command);
  }
  await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`switchgate: ${err.message}\n\n${err.command ? commandHelp(err.command) : overview()}`);
    process.exit(64); // EX_USAGE
  }
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  if (err instanceof StartupError) {
    console.error(`switchgate: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
});
