// The Astro app's static settings. `runpages build` passes root, outDir, cacheDir, base and logLevel
// inline (see src/site/build.ts); this file holds what does not depend on the user's project.
import { defineConfig } from 'astro/config';

export default defineConfig({
  output: 'static',
  trailingSlash: 'always',
  build: {
    format: 'directory',
    // A strict Content-Security-Policy forbids inline styles and scripts: always emit files.
    inlineStylesheets: 'never',
    // Pages in flight at once, so their file writes overlap: on a 10k-run site, writing files costs
    // more than rendering them.
    concurrency: 8,
  },
  devToolbar: { enabled: false },
  vite: {
    build: { assetsInlineLimit: 0 },
  },
});
