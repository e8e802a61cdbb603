/**
 * Publishing to GitHub Pages through GitHub Actions (docs/design.md#publishing). Two workflows, shaped by three
 * GitHub facts: a push runs only workflows present in the pushed commit (the orphan `runs` branch has
 * none of the code's), the `github-pages` environment deploys from the default branch, and events
 * caused by GITHUB_TOKEN start no workflows except `workflow_dispatch` and `repository_dispatch`.
 * - `runpages.yml` on the default branch builds and deploys; it reads the runs branch from git objects.
 * - `runpages-trigger.yml` on the runs branch dispatches it whenever runs are pushed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commitFolders } from '../branch/commit.ts';
import { FILE_MODE, ObjectReader, writeBlobs, writeTrees } from '../git/objects.ts';

/** Where the publish workflow lives, on the default branch. */
export const PUBLISH_WORKFLOW = '.github/workflows/runpages.yml';
/** Where the trigger workflow lives, on the runs branch. */
export const TRIGGER_WORKFLOW = '.github/workflows/runpages-trigger.yml';
/** The `repository_dispatch` event type writers may send to rebuild the site. */
export const DISPATCH_TYPE = 'runpages-runs';

/** Current majors of the actions used (checked against their releases in 2026). */
export const ACTIONS = {
  checkout: 'actions/checkout@v7',
  setupNode: 'actions/setup-node@v6',
  cache: 'actions/cache@v5',
  configurePages: 'actions/configure-pages@v6',
  uploadPagesArtifact: 'actions/upload-pages-artifact@v5',
  deployPages: 'actions/deploy-pages@v5',
} as const;

export interface PublishWorkflowOptions {
  /** The runs branch (config `branch`). */
  branch: string;
  /** The repository's default branch, where this workflow lives. */
  defaultBranch: string;
  /** Base path, e.g. `/my-repo/`; default: the Pages base path that `configure-pages` reports. */
  base?: string | undefined;
  /**
   * What to install when the user's repository does not pin runpages in its own package.json: an npm
   * spec, e.g. a git URL pinned to a release tag (`git+https://github.com/runpages/runpages.git#v0.1.0`).
   */
  installFallback: string;
  /**
   * Deploy to an S3-compatible static host (`s3://bucket/prefix`, see s3-deploy.ts) instead of GitHub
   * Pages: for sites past Pages' 1 GB. Credentials come from repository secrets and variables.
   */
  s3Target?: string | undefined;
  /** Cron of the scheduled rebuild, the fallback if a dispatch is ever lost; default hourly. */
  scheduleCron?: string;
}

/** Quotes a value for a POSIX shell: single quotes, with any single quote closed and escaped. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes a value for YAML as a JSON string (always valid YAML). */
function q(value: string): string {
  return JSON.stringify(value);
}

/**
 * The publish workflow for the default branch: build the site from the runs branch and deploy it.
 * @example writeFileSync('.github/workflows/runpages.yml', publishWorkflow({ branch: 'runs', defaultBranch: 'main', installFallback: 'git+https://github.com/runpages/runpages.git#v0.1.0' }))
 */
export function publishWorkflow(options: PublishWorkflowOptions): string {
  const s3 = options.s3Target;
  const base = options.base ?? (s3 ? '/' : '${{ steps.pages.outputs.base_path }}/');
  const permissions = s3 ? 'permissions:\n  contents: read' : 'permissions:\n  contents: read\n  pages: write\n  id-token: write';
  const configurePages = s3
    ? ''
    : `      - name: Configure Pages
        id: pages
        uses: ${ACTIONS.configurePages}
`;
  const deploy = s3
    ? `      # Repository secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; variables AWS_REGION and, for
      # R2, MinIO and other S3-compatible hosts, AWS_ENDPOINT_URL_S3.
      - name: Deploy to ${s3}
        env:
          AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}
          AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}
          AWS_REGION: \${{ vars.AWS_REGION }}
          AWS_ENDPOINT_URL_S3: \${{ vars.AWS_ENDPOINT_URL_S3 }}
        run: npx --no-install runpages deploy ${q(s3)} --dir _site
`
    : `      - name: Upload the site
        uses: ${ACTIONS.uploadPagesArtifact}
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: \${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: ${ACTIONS.deployPages}
`;
  return `# Written by \`runpages init --github-pages\`. Builds the runpages site from the \`${options.branch}\` branch
# and deploys it to ${s3 ? s3 : 'GitHub Pages'}.
#
# It lives on the default branch because a push runs only the workflows inside the pushed commit
# (the \`${options.branch}\` branch is an orphan with none of the code) and because the github-pages
# environment deploys from the default branch. Pushes of runs reach it through
# ${TRIGGER_WORKFLOW} on the \`${options.branch}\` branch, which dispatches this workflow.
#
# One-time repository settings: Settings > Pages > Build and deployment > Source: "GitHub Actions".
name: runpages

on:
  push:
    branches: [${q(options.defaultBranch)}]
    paths:
      - runpages.config.yaml
      - "comparisons/**"
      - ${q(PUBLISH_WORKFLOW)}
  # Dispatched by the trigger workflow on the runs branch, by hand, or by writers themselves.
  workflow_dispatch:
  repository_dispatch:
    types: [${q(DISPATCH_TYPE)}]
  # A fallback in case a dispatch is ever lost; the build is idempotent.
  schedule:
    - cron: ${q(options.scheduleCron ?? '17 * * * *')}

${permissions}

# Bursts of runs collapse into one build: while a build runs, one newer run waits (a still newer one
# replaces it), so the site deploys the newest runs at most one build late. Not cancel-in-progress:
# live runs push a heartbeat every few minutes, and cancelling would starve every build that takes
# longer than that.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Check out the default branch (config and saved comparisons)
        uses: ${ACTIONS.checkout}
        with:
          ref: ${q(options.defaultBranch)}
      - name: Fetch the runs branch (read from git objects, never checked out)
        run: git fetch --no-tags --depth=1 origin ${q(`+refs/heads/${options.branch}:refs/remotes/origin/${options.branch}`)}
      - name: Set up Node 24
        uses: ${ACTIONS.setupNode}
        with:
          node-version: 24
      # The runpages that the repository's own package.json and lockfile pin (what its jobs record
      # with), else the release this workflow was written for.
      - name: Install runpages
        run: |
          if [ -f package.json ] && node -e 'const p = require("./package.json"); process.exit({ ...p.dependencies, ...p.devDependencies }.runpages ? 0 : 1)'; then
            if [ -f package-lock.json ] || [ -f npm-shrinkwrap.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
          else
            npm install --no-save --no-audit --no-fund ${shellQuote(options.installFallback)}
          fi
${configurePages}      # Charts, comparison data and unchanged pages are reused from the last build (incremental
      # build), so a new run costs seconds, not a full rebuild. Each run saves a new cache and
      # restores the newest earlier one; the full series stay out of it (the runs branch has them,
      # and a run whose series are needed again is re-read from there), which keeps it small.
      - name: Restore the build cache
        uses: ${ACTIONS.cache}
        with:
          path: |
            .runpages/cache
            !.runpages/cache/series
          key: runpages-\${{ github.run_id }}
          restore-keys: runpages-
      - name: Build the site
        run: npx --no-install runpages build --from ${q(`origin/${options.branch}`)} --out _site --base ${q(base)}
${deploy}`;
}

/**
 * The trigger workflow carried on the runs branch: on every push of runs, dispatch the publish
 * workflow on the default branch.
 */
export function triggerWorkflow(options: { branch: string }): string {
  return `# Written by \`runpages init --github-pages\`. Rebuilds the site whenever runs are pushed.
#
# Why a separate workflow here: a push runs only the workflows inside the pushed commit, and this
# branch holds none of the code's workflows. It cannot simply push or tag to start the publish
# workflow either, because events caused by GITHUB_TOKEN start no workflows, except
# workflow_dispatch and repository_dispatch. So it dispatches ${PUBLISH_WORKFLOW} on the default
# branch, which needs the \`actions: write\` permission.
name: runpages trigger

on:
  push:
    branches: [${q(options.branch)}]

permissions:
  actions: write

# Many runs pushed together need only one dispatch; the publish workflow collapses the rest.
concurrency:
  group: runpages-trigger
  cancel-in-progress: true

jobs:
  dispatch:
    runs-on: ubuntu-latest
    steps:
      - name: Dispatch the publish workflow on the default branch
        env:
          GH_TOKEN: \${{ github.token }}
        run: gh workflow run ${q(PUBLISH_WORKFLOW.split('/').at(-1) as string)} --repo "$GITHUB_REPOSITORY" --ref "\${{ github.event.repository.default_branch }}"
`;
}

export interface GithubPagesSetup extends PublishWorkflowOptions {
  /** The user's repository (working tree of the default branch). */
  cwd: string;
}

/**
 * Writes the publish workflow into the working tree (for the user to commit on the default branch)
 * and commits the trigger workflow onto the local runs branch with git plumbing: the working tree,
 * index and HEAD are not touched. Returns the written path and the runs branch's new tip.
 */
export async function setUpGithubPages(setup: GithubPagesSetup): Promise<{ workflow: string; runsCommit: string }> {
  const workflow = join(setup.cwd, PUBLISH_WORKFLOW);
  mkdirSync(dirname(workflow), { recursive: true });
  writeFileSync(workflow, publishWorkflow(setup));

  const [blob] = await writeBlobs(setup.cwd, [triggerWorkflow({ branch: setup.branch })]);
  const [tree] = await writeTrees(setup.cwd, [[{ mode: FILE_MODE, type: 'blob', sha: blob as string, name: TRIGGER_WORKFLOW.split('/').at(-1) as string }]]);
  const reader = new ObjectReader(setup.cwd);
  try {
    const { commit } = await commitFolders(setup.cwd, reader, `refs/heads/${setup.branch}`, [{ path: dirname(TRIGGER_WORKFLOW), tree: tree as string }]);
    return { workflow: PUBLISH_WORKFLOW, runsCommit: commit };
  } finally {
    reader.close();
  }
}
