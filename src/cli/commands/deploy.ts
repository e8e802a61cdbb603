/**
 * `runpages deploy s3://bucket/prefix`: uploads a built site to an S3-compatible static host,
 * sending only files whose content changed and removing files the site no longer has.
 */
import type { Command } from 'commander';

export const order = 55;

interface DeployFlags {
  dir: string;
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('deploy')
    .argument('<target>', 'where the site is served from: s3://<bucket>/<prefix>')
    .description('Upload a built site to S3 or any S3-compatible static host (R2, MinIO, S3 + CloudFront): only changed files, stale ones removed.')
    .option('--dir <dir>', 'the built site', 'dist')
    .option('--dry-run', 'say what would be uploaded and deleted, change nothing')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      `
Endpoint and credentials come from the standard AWS environment (AWS_ENDPOINT_URL_S3, AWS_REGION,
AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), as for the object store. Everything under the
prefix that the site does not have is deleted: give the site a prefix of its own.

Examples:
  $ runpages build --out dist && runpages deploy s3://ml-site/experiments
  $ runpages deploy s3://ml-site --dir dist --dry-run`,
    )
    .action(async (target: string, flags: DeployFlags) => {
      const [{ readConfig }, { deploySite }, ui, { RunpagesError }, { resolve }] = await Promise.all([
        import('../../site/config-file.ts'),
        import('../../hosting/s3-deploy.ts'),
        import('../ui.ts'),
        import('../../errors.ts'),
        import('node:path'),
      ]);
      const cwd = process.cwd();
      if (!/^s3:\/\//.test(target)) {
        throw new RunpagesError('invalid-deploy-target', `"${target}" is not an S3 URI.`, {
          hint: 'Write it as s3://<bucket>/<prefix>, e.g. `runpages deploy s3://ml-site/experiments`.',
        });
      }
      // Deleting what the site lacks must never reach the object store's artifacts.
      const { store } = readConfig(cwd);
      const norm = (uri: string) => `${uri.replace(/\/+$/, '')}/`;
      if (store.startsWith('s3://') && (norm(store).startsWith(norm(target)) || norm(target).startsWith(norm(store)))) {
        throw new RunpagesError('deploy-overlaps-store', `${target} overlaps the object store ${store}; deploying would delete its objects.`, {
          hint: 'Deploy the site to a prefix of its own, e.g. s3://<bucket>/site.',
        });
      }
      let bar: ReturnType<typeof ui.progress> | undefined;
      const result = await deploySite({
        dir: resolve(cwd, flags.dir),
        target,
        dryRun: flags.dryRun === true,
        onProgress: (done, total) => (bar ??= ui.progress('Uploading', total)).tick(done),
      });
      bar?.done();
      if (flags.json) ui.printJson(result);
      const verb = result.dryRun ? 'would upload' : 'uploaded';
      ui.success(
        `${result.target}: ${verb} ${result.uploaded} file${result.uploaded === 1 ? '' : 's'} (${result.uploadedBytes} bytes), ${result.unchanged} unchanged, ${result.dryRun ? 'would delete' : 'deleted'} ${result.deleted}`,
      );
    });
}
