#!/bin/sh
# The project's test tiers (run through scripts/with-node.sh by `npm test` and `npm run test:unit`):
#   unit  the pure, fast tests: no git processes, Astro builds, Chromium or apt (seconds)
#   all   type checks (src, tests, scripts and the Astro site), lint and format, the boundary rules,
#         then every vitest test and the Python package's own suite
set -e
tier=${1:-all}
case "$tier" in
  unit)
    exec vitest run --project unit
    ;;
  all)
    echo "runpages: type check (tsc) ..." >&2
    tsc --noEmit -p .
    echo "runpages: type check of the site (astro check) ..." >&2
    astro check --root site --tsconfig tsconfig.json --minimumSeverity warning
    echo "runpages: lint and format (biome ci; npm run fix repairs) ..." >&2
    biome ci .
    echo "runpages: module boundaries ..." >&2
    node scripts/check-boundaries.ts
    vitest run
    echo "runpages: the Python package's suite in its own virtual environment ..." >&2
    sh scripts/python-tests.sh
    ;;
  *)
    echo "usage: scripts/test.sh unit|all" >&2
    exit 2
    ;;
esac
