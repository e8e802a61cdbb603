/**
 * The reference a runpages build is compared with: a bare Astro project with the same number of
 * trivial pages, built by this repository's Astro, so the ratio shows what runpages adds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a minimal Astro project at `dir` (which must sit inside this repository so `astro` resolves
 * from its node_modules) that renders `pages` pages from one dynamic route.
 */
export function writeBareAstroProject(dir: string, pages: number): void {
  mkdirSync(join(dir, 'src', 'pages', 'page'), { recursive: true });
  writeFileSync(join(dir, 'astro.config.mjs'), "import { defineConfig } from 'astro/config';\nexport default defineConfig({ logLevel: 'warn' });\n");
  writeFileSync(join(dir, 'package.json'), '{ "name": "bare-astro-bench", "private": true, "type": "module" }\n');
  writeFileSync(
    join(dir, 'src', 'pages', 'page', '[id].astro'),
    `---
export function getStaticPaths() {
  return Array.from({ length: ${pages} }, (_, i) => ({ params: { id: String(i) }, props: { i } }));
}
const { i } = Astro.props;
---
<html lang="en"><head><meta charset="utf-8" /><title>Page {i}</title></head>
<body><h1>Page {i}</h1><p>A trivial page for the benchmark's reference build.</p></body></html>
`,
  );
}
