#!/bin/sh
# The Python client's test suite (clients/python/tests) in a fresh virtual environment:
# builds and installs the package (pip install ./clients/python, as a user would), the test
# dependencies and, unless RUNPAGES_PY_INTEGRATIONS=0, the ML frameworks its integrations are tested
# against, all from the configured package index; then runs pytest against this checkout's CLI.
#
#   sh scripts/python-tests.sh                # everything
#   sh scripts/python-tests.sh -k sklearn     # extra arguments go to pytest
#
# The venv lives in test-output/python-venv (gitignored; RUNPAGES_PY_VENV to choose another, PYTHON
# for another interpreter) and is reused between runs (RUNPAGES_PY_FRESH=1: made anew); the package
# itself is reinstalled every time so the tests never see a stale copy. pytest's "no tests ran"
# (exit 5) counts as a failure.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${RUNPAGES_PY_VENV:-"$root/test-output/python-venv"}
python=${PYTHON:-python3}

# RUNPAGES_PY_FRESH=1: start from an empty venv (as a fresh clone, and so CI, does).
if [ "${RUNPAGES_PY_FRESH:-0}" = 1 ]; then
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
# No retries: an unreachable extra index fails fast instead of backing off for minutes.
pip="$venv/bin/python -m pip --retries 0 --quiet"
$pip install -r clients/python/tests/requirements.txt
if [ "${RUNPAGES_PY_INTEGRATIONS:-1}" != 0 ]; then
  $pip install -r clients/python/tests/requirements-integrations.txt
  # XGBoost: from the package index when it serves it; else Debian's python3-xgboost (pure Python
  # over its libxgboost.so), linked into the venv alone so Debian's numpy and scipy stay out.
  if ! $venv/bin/python -c "import xgboost" 2>/dev/null && ! $pip install xgboost 2>/dev/null; then
    debian=/usr/lib/python3/dist-packages/xgboost
    if [ ! -d "$debian" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "python-tests: xgboost is not on the package index; installing Debian's python3-xgboost" >&2
      apt-get install -y -q python3-xgboost >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q python3-xgboost >/dev/null; }
    fi
    if [ -d "$debian" ]; then
      mkdir -p "$venv/debian-xgboost"
      ln -sfn "$debian" "$venv/debian-xgboost/xgboost"
      site=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
      echo "$venv/debian-xgboost" > "$site/runpages-debian-xgboost.pth"
    fi
  fi
else
  echo "python-tests: RUNPAGES_PY_INTEGRATIONS=0: the integrations' tests are skipped" >&2
fi
# setuptools builds in the tree: a stale build/ could carry a deleted module into the install.
rm -rf clients/python/build clients/python/src/runpages.egg-info
$pip install --force-reinstall --no-deps ./clients/python

# The CLI the client publishes through: this checkout's, under the Node that scripts/with-node.sh picks.
node=$(sh scripts/with-node.sh node -p process.execPath)
RUNPAGES_BIN="$node $root/bin/runpages.js"
export RUNPAGES_BIN
# Keras 3 runs on the torch backend (torch is installed for Lightning anyway); no GPU is used.
KERAS_BACKEND=torch CUDA_VISIBLE_DEVICES="" PYTHONDONTWRITEBYTECODE=1
export KERAS_BACKEND CUDA_VISIBLE_DEVICES PYTHONDONTWRITEBYTECODE
export RUNPAGES_PY_INTEGRATIONS="${RUNPAGES_PY_INTEGRATIONS:-1}"
unset PYTHONPATH RUNPAGES_DIR 2>/dev/null || true

cd clients/python
status=0
# -p no:cacheprovider: no .pytest_cache in the source tree.
"$venv/bin/python" -m pytest -p no:cacheprovider "$@" || status=$?
if [ "$status" = 5 ]; then
  echo "python-tests: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
