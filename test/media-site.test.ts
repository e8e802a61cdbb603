/**
 * Media end to end: a Python job using only the client logs an image per epoch, a confusion matrix,
 * ROC and PR curves, a histogram per epoch, a predictions table and a text; the run lands on the
 * branch; `runpages build` shows them on the run page (the <img> bytes are the logged file's), and the
 * build report lists what was left out and why.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { git, makeTestRepo, TEST_GIT_ENV, type TestRepo } from './helpers/git.ts';
import { bombPng, makeJpeg, makePng } from './helpers/images.ts';

const CLIENT = fileURLToPath(new URL('../clients/python/src', import.meta.url));
const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

let repo: TestRepo;
let job: CliResult;
let build: CliResult;
let page: string;
let runId: string;
let dirtyId: string;
const epochs = [0, 1, 2].map((seed) => makePng(24, 16, { seed }));

const TRAIN = `import runpages
with runpages.start(project="vision", params={"lr": 0.1}) as run:
    for epoch in range(3):
        run.log({"loss": 1 / (epoch + 1)}, step=epoch)
        run.log_image("val/samples", f"epoch{epoch}.png", step=epoch, caption=f"epoch {epoch}")
        run.log_histogram("weights/fc1", [((i * 7919 + epoch * 13) % 100) / 10 for i in range(500)], step=epoch)
    run.log_image("photo", "photo.jpg")
    run.log_image("bomb", "bomb.png")
    run.log_confusion_matrix("val/confusion", y_true=["cat", "dog", "dog", "cat"], y_pred=["cat", "cat", "dog", "cat"], labels=["cat", "dog"])
    run.log_curve("val/roc", kind="roc", y_true=[0, 0, 1, 1], y_score=[0.1, 0.4, 0.35, 0.8])
    run.log_curve("val/pr", kind="pr", y_true=[0, 0, 1, 1], y_score=[0.1, 0.4, 0.35, 0.8])
    sample = open("epoch0.png", "rb").read()
    run.log_table("val/predictions", [
        {"image": sample, "label": "cat", "prediction": "dog", "score": 0.41},
        {"image": sample, "label": "dog", "prediction": "dog", "score": 0.93},
    ])
    run.log_text("samples", "Once upon a <b>time</b> & more", step=2)
    with open("per-class.csv", "w") as f:
        f.write('class,precision,note\\ncat,0.91,"fine, mostly"\\ndog,0.88,token ghp_abcdefghijklmnopqrstuvwxyz0123456789\\n')
    run.artifact("per-class.csv")
    # Any language can write the protocol: a file under media/ and a line of media.jsonl.
    import os, shutil
    os.makedirs(os.path.join(run.dir, "media"), exist_ok=True)
    shutil.copyfile("huge.png", os.path.join(run.dir, "media", "huge.png"))
    with open(os.path.join(run.dir, "media.jsonl"), "a") as f:
        f.write('{"key": "huge", "kind": "image", "file": "media/huge.png"}\\n')
print(run.id)
`;

function python(script: string): Promise<CliResult> {
  writeFileSync(join(repo.dir, 'train.py'), script);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['train.py'], {
      cwd: repo.dir,
      env: { ...process.env, ...TEST_GIT_ENV, NO_COLOR: '1', PYTHONPATH: CLIENT, RUNPAGES_BIN: `${process.execPath} ${BIN}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

beforeAll(async () => {
  repo = makeTestRepo();
  epochs.forEach((png, epoch) => writeFileSync(join(repo.dir, `epoch${epoch}.png`), png));
  writeFileSync(join(repo.dir, 'photo.jpg'), makeJpeg(20, 10, 'GPSLatitude 51.5'));
  writeFileSync(join(repo.dir, 'bomb.png'), bombPng(5000, 5000));
  writeFileSync(join(repo.dir, 'huge.png'), bombPng(30_000, 100));
  job = await python(TRAIN);
  runId = job.stdout.trim();
  // A run recorded with uncommitted changes: its patch goes to the local store, which this build reads.
  writeFileSync(join(repo.dir, 'README.md'), '# test\nlr = 0.01 <script>\n');
  const dirty = await runCli(['record', '--project', 'vision', '--name', 'dirty-run', '--', 'node', '-e', 'console.log(process.env.RUNPAGES_RUN_ID)'], {
    cwd: repo.dir,
  });
  expect(dirty.code, dirty.stderr).toBe(0);
  dirtyId = dirty.stdout.trim().split('\n')[0] as string;
  build = await runCli(['build', '--out', 'site', '--now', '2026-12-01T00:00:00Z'], { cwd: repo.dir, env: { RUNPAGES_WORKERS: '1' }, timeoutMs: 300_000 });
  if (build.code !== 0) console.error(job.stderr, build.stdout, build.stderr);
  page = readFileSync(join(repo.dir, 'site', 'r', runId, 'index.html'), 'utf8');
}, 400_000);

afterAll(() => repo?.cleanup());

describe('media from a Python job to the run page', () => {
  it('the job logs everything; a refused image is a warning, not an exception', () => {
    expect(job.code, job.stderr).toBe(0);
    expect(job.stderr).toMatch(/log_image\('bomb'\) looks like a decompression bomb: 5000 x 5000 pixels/);
    expect(build.code, build.stderr).toBe(0);
  });

  it('the branch carries a manifest and display copies; AUC and AP are summary metrics', () => {
    const files = git(repo.dir, 'ls-tree', '-r', '--name-only', 'runs').split('\n');
    const folder = files.find((file) => file.endsWith(`${runId}/run.yaml`))!.slice(0, -'/run.yaml'.length);
    expect(files).toContain(`${folder}/media.json`);
    expect(files).toContain(`${folder}/media/${sha256(epochs[2]!)}.png`);
    const record = git(repo.dir, 'show', `runs:${folder}/run.yaml`);
    expect(record).toMatch(/val\/roc\/auc: 0\.75/);
    expect(record).toMatch(/val\/pr\/ap: 0\.833333/);
  });

  it('shows each epoch image as an <img> whose bytes are the logged file, the last step visible without JavaScript', () => {
    const srcs = [...page.matchAll(/<img src="([^"]+)"[^>]*alt="epoch (\d)"/g)].map((m) => [m[1], Number(m[2])] as const);
    expect(srcs.map(([, epoch]) => epoch)).toEqual([0, 1, 2]);
    for (const [src, epoch] of srcs) {
      const bytes = readFileSync(join(repo.dir, 'site', src!.replace(/^\//, '')));
      expect(sha256(bytes)).toBe(sha256(epochs[epoch]!));
    }
    // Only the last step's block is visible without the slider.
    const blocks = [...page.matchAll(/<div class="media-step" data-step-label="step (\d)"( hidden)?/g)].filter((m) => Number(m[1]) <= 2);
    expect(blocks.some((m) => m[1] === '2' && !m[2])).toBe(true);
    expect(blocks.some((m) => m[1] === '0' && m[2])).toBe(true);
  });

  it('the JPEG is shown without its EXIF', () => {
    const src = /<img src="([^"]+\.jpg)"/.exec(page)?.[1];
    expect(src).toBeDefined();
    const bytes = readFileSync(join(repo.dir, 'site', src!.replace(/^\//, '')));
    expect(bytes.includes('GPSLatitude')).toBe(false);
    expect(src).toContain(sha256(bytes));
  });

  it('draws the confusion matrix and curves as SVG, and the table and text as HTML', () => {
    expect(page).toMatch(/<svg[^>]*aria-label="val\/confusion: confusion matrix"/);
    expect(page).toMatch(/<svg[^>]*aria-label="val\/confusion: confusion matrix, normalised by true class"/);
    expect(page).toMatch(/<svg[^>]*aria-label="val\/roc: ROC curve"/);
    expect(page).toMatch(/AUC <strong>0\.7500<\/strong>/);
    expect(page).toMatch(/<svg[^>]*aria-label="weights\/fc1: histogram by step"/);
    expect(page).toMatch(/<tr class="mispredicted">/);
    expect(page).toMatch(/<img class="thumb" src="[^"]*media\/[0-9a-f]{64}\.png"/);
    expect(page).toContain('Once upon a &lt;b&gt;time&lt;/b&gt; &amp; more');
    // Never an inlined user SVG nor a style attribute (the CSP allows none).
    expect(page).not.toMatch(/ style="/);
  });

  it('previews a small CSV artifact as a table, secrets masked', () => {
    expect(page).toContain('Artifact previews');
    expect(page).toMatch(/<th scope="col">precision<\/th>/);
    expect(page).toContain('<td>fine, mostly</td>');
    expect(page).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('shows the dirty-tree patch as a highlighted unified diff, read from the store', () => {
    const dirty = readFileSync(join(repo.dir, 'site', 'r', dirtyId, 'index.html'), 'utf8');
    expect(dirty).toMatch(/Uncommitted changes/);
    expect(dirty).toMatch(/<span class="diff-line diff-file">diff --git a\/README.md b\/README.md/);
    expect(dirty).toContain('<span class="diff-line diff-add">+lr = 0.01 &lt;script&gt;');
  });

  it('the report lists the refused medium with its reason', async () => {
    const report = readFileSync(join(repo.dir, 'site', 'report', 'index.html'), 'utf8');
    expect(report).toContain('Media left out');
    expect(report).toMatch(/huge.*30000 x 100 pixels, over the limit of 16384 pixels a side/s);
  });
});
