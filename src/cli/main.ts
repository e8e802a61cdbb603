/**
 * The CLI entry: builds the commander program from every module in ./commands (each exports
 * `register(program)` and an `order` for the help listing), runs it, and is the only place that
 * turns errors into exit codes.
 */
import { readdirSync } from 'node:fs';
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

export async function createProgram(): Promise<Command> {
  const program = new Command('runpages')
    .description('Experiment tracking on a git branch, published as a static site.')
    .version(process.env.npm_package_version ?? '0.1.0', '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
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
