/**
 * The CLI entry: builds the commander program from every module in ./commands (each exports
 * `register(program)` and an `order` for the help listing), runs it, and is the only place that
 * turns errors into exit codes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { reportError } from './ui.ts';

interface CommandModule {
  order: number;
  register: (program: Command) => void;
}

async function loadCommands(): Promise<CommandModule[]> {
  const dir = new URL('./commands/', import.meta.url);
  const files = readdirSync(dir)
    .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts') && !file.includes('.test.'))
    .sort();
  const modules = await Promise.all(files.map((file) => import(new URL(file, dir).href) as Promise<CommandModule>));
  return modules.sort((a, b) => a.order - b.order);
}

/**
 * runpages' own version, from its package.json (src/cli/ and dist/cli/ are both two levels down).
 * Not npm_package_version: under `npx` or an npm script that is the user's project's version.
 */
function ownVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

const EXAMPLES = `
Examples:
  $ runpages init                                  # once per repository: config and the runs branch
  $ runpages record -- python train.py             # run a job and publish it as a run
  $ runpages ls "metrics.acc > 0.9" --limit 10     # find runs
  $ runpages build && runpages preview             # the site, at http://127.0.0.1:4321/

Run "runpages <command> --help" for a command's options and examples.`;

export async function createProgram(): Promise<Command> {
  const program = new Command('runpages')
    .description('Experiment tracking on a git branch, published as a static site.')
    .version(ownVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText('after', EXAMPLES)
    .exitOverride();
  for (const command of await loadCommands()) command.register(program);
  return program;
}

/** A closed pipe (`runpages ls | head`) is the reader saying it has enough: stop quietly. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  try {
    const program = await createProgram();
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    process.exitCode = reportError(error);
  }
}
