/**
 * `runpages preview [dir]`: serves a built site on loopback; with `--watch`, rebuilds it whenever the
 * runs branch (or folder) changes, so someone training locally sees results arrive.
 */
import type { Command } from 'commander';
import { describeSource, runSource, type RunSource } from '../../index/source.ts';
import { resolveNow } from '../clock.ts';

export const order = 51;

interface PreviewFlags {
  port: string;
  base?: string;
  watch?: boolean;
  from?: string;
  config?: string;
  host?: string;
  allowedHost: string[];
}

export function register(program: Command): void {
  program
    .command('preview')
    .description('Serve a built site on 127.0.0.1; with --watch, rebuild it when runs change.')
    .argument('[dir]', 'the built site', 'dist')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '4321')
    .option('--host <address>', 'address to listen on (default: 127.0.0.1); requests must name it or localhost')
    .option(
      '--allowed-host <name>',
      'also answer requests addressed to this host name (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--base <path>', 'base path to serve under (default: the one the site was built with)')
    .option('--watch', 'rebuild when the runs branch or folder changes')
    .option('--from <branch|dir>', 'with --watch: where runs are read from (default: the configured branch)')
    .option('--config <file>', 'with --watch: config file (default: runpages.config.yaml)')
    .addHelpText(
      'after',
      `
Examples:
  $ runpages build && runpages preview           # serve dist/ at http://127.0.0.1:4321/
  $ runpages preview site --port 8080
  $ runpages preview --watch --from runs         # rebuild on every new run`,
    )
    .action(async (dir: string, flags: PreviewFlags) => {
      const [{ existsSync }, { resolve }, { serveSite, builtBase, watchRuns }, ui, { RunpagesError }] = await Promise.all([
        import('node:fs'),
        import('node:path'),
        import('../../site/preview.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
      ]);
      const cwd = process.cwd();
      const out = resolve(cwd, dir);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new RunpagesError('invalid-port', `--port must be a number from 0 to 65535 (got ${flags.port})`, {
          hint: 'Pass a free port, e.g. --port 8080, or 0 for any.',
        });
      }
      let rebuild: (() => Promise<void>) | undefined;
      let source: RunSource | undefined;
      if (flags.watch) {
        const [{ readConfig }, { buildSite }] = await Promise.all([import('../../site/config-file.ts'), import('../../site/build.ts')]);
        const config = readConfig(cwd, flags.config);
        const from = runSource(flags.from, cwd, config.branch);
        source = from;
        rebuild = async () => {
          const result = await buildSite({
            source: from,
            cwd,
            out,
            config,
            base: flags.base,
            now: resolveNow(),
            onInvalid: (i) => ui.warn(`skipped ${i.reason}`),
          });
          ui.success(`Rebuilt ${result.pages} pages for ${result.runs} runs in ${result.seconds.toFixed(1)}s`);
        };
        ui.info(`Building ${dir} from the ${describeSource(from, cwd)}…`);
        await rebuild();
      }
      if (!existsSync(resolve(out, 'index.html'))) {
        throw new RunpagesError('site-not-built', `There is no built site in ${dir} (no index.html)`, {
          hint: `Build it first with \`runpages build --out ${dir}\`, or pass --watch to build and serve.`,
        });
      }
      const base = flags.base ?? builtBase(out) ?? '/';
      const server = await serveSite({ dir: out, base, port, allowedHosts: flags.allowedHost, ...(flags.host ? { host: flags.host } : {}) });
      ui.success(`Serving ${dir} at ${ui.color.bold(server.url)} (Ctrl+C to stop)`);
      // stdout gets the URL alone, for scripts.
      process.stdout.write(`${server.url}\n`);
      if (rebuild && source) {
        let running: Promise<void> | undefined;
        let pending = false;
        let timer: NodeJS.Timeout | undefined;
        const run = async (): Promise<void> => {
          if (running) {
            pending = true;
            return;
          }
          running = (async () => {
            try {
              await rebuild();
            } catch (error) {
              ui.warn(`rebuild failed: ${error instanceof Error ? error.message : String(error)}`);
            }
          })();
          await running;
          running = undefined;
          if (pending) {
            pending = false;
            await run();
          }
        };
        const watched = source;
        const stop = watchRuns({
          source: watched,
          cwd,
          onChange: () => {
            // Collapse bursts (a commit touches several files) into one rebuild.
            clearTimeout(timer);
            timer = setTimeout(() => void run(), 400);
          },
        });
        ui.info(`Watching the ${describeSource(watched, cwd)} for new runs`);
        const shutdown = () => {
          stop();
          void server.close().then(() => process.exit(0));
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      }
      await new Promise<void>((resolveWait) => server.server.once('close', () => resolveWait()));
    });
}
