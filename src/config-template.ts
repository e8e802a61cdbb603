/**
 * The commented `runpages.config.yaml` that `runpages init` writes: every key of src/config.ts,
 * explained where it is set, with examples to uncomment for what only the user can know.
 */

export interface ConfigTemplateOptions {
  title: string;
  branch: string;
  remote: string;
  store: string;
  /** A project name for the commented-out example. */
  project: string;
}

/** Renders the template; it parses to exactly the given values (everything else stays default). */
export function configTemplate(options: ConfigTemplateOptions): string {
  const q = (value: string): string => JSON.stringify(value);
  return `# runpages configuration. Every key is optional; delete what you do not need.
# Reference: the "Configuration" section of the runpages README.

# Site title, shown in the header and in link previews.
title: ${q(options.title)}

# The git branch runs are committed to. An orphan branch holding only runs/<project>/<yyyy-mm>/<bucket>/<id>/;
# runpages writes it with git plumbing, never touching your working tree, index or HEAD.
branch: ${q(options.branch)}

# The git remote runs are pushed to. Without such a remote, runs stay on the local branch.
remote: ${q(options.remote)}

# Where artifacts go, by sha256: a folder (relative to the repository, gitignored by default),
# a file:// URI, or s3://bucket/prefix (AWS, MinIO, R2, GCS interop; endpoint and credentials come
# from the standard AWS environment and config, e.g. AWS_PROFILE, AWS_ENDPOINT_URL_S3).
store: ${q(options.store)}

# Public base URL of the store, so the site can link artifacts, e.g. https://bucket.example.com/prefix
# publicUrl: https://artifacts.example.com/runs

site:
  # Path the site is served under: "/" for a custom domain, "/<repo>/" for GitHub project pages.
  base: "/"
  # Absolute site URL, used for Open Graph links pasted into chat.
  # url: https://example.github.io/my-repo/
  # Run page charts: plot (Observable Plot SVGs), compact (light SVG lines, for very large sites),
  # or auto (plot up to 2,000 runs, compact above).
  charts: auto
  # Runs with a full pre-rendered page: auto (all up to 20,000 runs, 5,000 above), all, or a number.
  # The others get a lean page at the same URL, drawn in the browser from the site's run data, so a
  # site of 100k runs fits GitHub Pages' 1 GB. Best and baseline runs, leaderboards and saved
  # comparisons keep full pages first, then the newest runs.
  runPages: auto
  # Megabytes of media (logged images, tables, texts) the site copies in, newest runs first; what does
  # not fit is linked through publicUrl or listed on /report/ (GitHub Pages holds 1 GB in all).
  mediaBudget: 300

# Live runs: while a job runs, record publishes it as running every interval seconds; a running run
# not heard from for staleAfter seconds (default 3 x interval) shows as crashed. live: false stops
# the heartbeats (staleness still applies).
live:
  interval: 120
  # staleAfter: 600
  # With an S3 store and publicUrl, a running run's page refreshes itself from a small live object
  # the job writes every objectInterval seconds (default 30; 0 turns it off), without a rebuild.
  # objectInterval: 30

# System metrics: every interval seconds, the job's CPU %, memory (RSS of its processes) and, where
# nvidia-smi is installed, each GPU's utilisation and memory, recorded as system/... series (their
# own chart group on run pages). system: false turns it off.
system:
  interval: 15

# Pushes to the remote: at most perMinute pushes land on the runs branch in any minute, counted
# from the remote branch itself so jobs on every machine share one budget (GitHub recommends at
# most 6 a minute per repository). Runs waiting for a slot are published together in one push; a
# live heartbeat that finds no slot is skipped, the final run never is. 0: no bound.
push:
  perMinute: 6

# Per project (the folder name under runs/): how it is presented. Uncomment and adapt.
projects: {}
#  ${options.project}:
#    title: Image classifier
#    description: ResNet variants on the v3 dataset.
#    # The metric that decides the best run, and what "good" means.
#    goal:
#      metric: val/acc
#      direction: max        # max or min
#      target: 0.95          # the value the team aims for
#      baseline: 0.90        # a number, or a run id whose metric is the baseline
#    # Default columns of the run table.
#    columns: [name, status, params.lr, metrics.val/acc, duration]
#    # Named views of the run table, shown as tabs: a filter (query language), search words (q),
#    # sort keys (- for descending), a group and columns; each is a link that reproduces the view.
#    views:
#      - name: Best finished
#        filter: status = 'finished'
#        sort: [-metrics.val/acc]
#      - name: By architecture
#        group: params.arch
#    # Display of metrics: label, unit, format (number, percent, integer, duration), digits, and
#    # direction (max, min, or none for no better/worse verdict; guessed from the name when left out:
#    # losses and errors min, accuracy-like max, learning rates, sizes, epochs and times none).
#    metrics:
#      val/acc: { label: Validation accuracy, format: percent, digits: 1 }
#      train/lr: { label: Learning rate, direction: none }
#      train/loss: { label: Training loss, digits: 3 }
#      epoch_time: { unit: s, digits: 0 }
`;
}
