"""Fixtures: a real git repository whose `origin` is a bare repository, the runpages CLI that
publishes into it, and a reader for what landed on origin's runs branch.

The CLI comes from $RUNPAGES_BIN (scripts/python-tests.sh sets it to this checkout's
bin/runpages.js under Node 24). Git identity and dates are fixed so nothing depends on the machine.
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test User",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test User",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "NO_COLOR": "1",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env={**os.environ, **GIT_ENV}).stdout.strip()


class Origin:
    """The bare origin: what runs the client published."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def show(self, path: str) -> str:
        return git(self.path, "show", f"runs:{path}")

    def folders(self, project: str) -> List[str]:
        files = git(self.path, "ls-tree", "-r", "--name-only", "runs").splitlines()
        return sorted(f[: -len("/run.yaml")] for f in files if f.startswith(f"runs/{project}/") and f.endswith("/run.yaml"))

    def records(self, project: str) -> List[Dict[str, Any]]:
        return [self.record_at(folder) for folder in self.folders(project)]

    def record_at(self, folder: str) -> Dict[str, Any]:
        return _yaml(self.show(f"{folder}/run.yaml"))

    def run(self, project: str) -> Dict[str, Any]:
        records = self.records(project)
        assert len(records) == 1, f"expected one run of {project} on origin/runs, found {len(records)}"
        return records[0]

    def series(self, record: Dict[str, Any]) -> Dict[str, Any]:
        [folder] = [f for f in self.folders(record["project"]) if f.endswith("/" + record["id"])]
        return json.loads(self.show(f"{folder}/series.json"))["series"]


def _yaml(text: str) -> Dict[str, Any]:
    return yaml.safe_load(text)


def framework(name: str):
    """Imports a framework an integration is tested against. Missing, it fails the suite, unless the
    run was asked to leave the frameworks out (RUNPAGES_PY_INTEGRATIONS=0), where its tests skip."""
    if os.environ.get("RUNPAGES_PY_INTEGRATIONS") == "0":
        return pytest.importorskip(name)
    import importlib

    return importlib.import_module(name)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone with one commit on main, `origin` a bare repository; the test runs inside it."""
    assert os.environ.get("RUNPAGES_BIN"), "set RUNPAGES_BIN to the runpages CLI (scripts/python-tests.sh does)"
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(origin)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    git(work, "config", "user.name", "Test User")
    git(work, "config", "user.email", "test@example.com")
    git(work, "config", "commit.gpgsign", "false")
    (work / "README.md").write_text("# test\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "initial")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")
    monkeypatch.chdir(work)
    monkeypatch.delenv("RUNPAGES_DIR", raising=False)
    return work


@pytest.fixture()
def origin(repo: Path) -> Origin:
    return Origin(repo.parent / "origin.git")
