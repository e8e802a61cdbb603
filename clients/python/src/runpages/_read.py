"""Reading runs back: `runpages.runs(query)` asks the CLI (`runpages ls --json`) so the query language
is the CLI's and the site's, never a second Python copy of it; a run's series come from its folder
on the runs branch (series.json, at most 1,000 points) or, when the run was downsampled and its
full-resolution series is in this repository's object store, from there.
"""

import json
import os
import re
import subprocess
from typing import Any, Dict, Iterable, List, NamedTuple, Optional

__all__ = ["runs", "RunRecord", "RunList", "Point", "RunpagesError"]


class RunpagesError(Exception):
    """Reading runs failed (the CLI could not run, or rejected the query); the message says what to do."""


class Point(NamedTuple):
    """One point of a series: `step`, `value` (NaN for a logged NaN), `time` (unix seconds, or None)."""

    step: float
    value: float
    time: Optional[float]


def _bucket(run_id: str) -> str:
    """The run's bucket: the low byte of the 32-bit FNV-1a hash of its id, as two hex digits (src/run/layout.ts runBucket)."""
    h = 0x811C9DC5
    for byte in run_id.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{h & 0xFF:02x}"


def _folders(record: Dict[str, Any]) -> List[str]:
    """Where the run's folder can be on the branch: runs/<project>/<yyyy-mm>/<bucket>/<id> (src/run/layout.ts
    runFolder), or runs/<project>/<yyyy-mm>/<id> on a branch written by an earlier version."""
    month = f"runs/{record['project']}/{str(record['created'])[:7]}"
    return [f"{month}/{_bucket(record['id'])}/{record['id']}", f"{month}/{record['id']}"]


def _config_branch(root: str) -> str:
    """The runs branch named in runpages.config.yaml (top-level `branch:`), else `runs`."""
    for name in ("runpages.config.yaml", "runpages.config.yml"):
        try:
            with open(os.path.join(root, name), encoding="utf-8") as file:
                for line in file:
                    found = re.match(r"""^branch:\s*["']?([^"'\s#]+)""", line)
                    if found:
                        return found.group(1)
        except OSError:
            continue
    return "runs"


def _points(data: Dict[str, Any]) -> List[Point]:
    steps, values = data.get("step", []), data.get("value", [])
    times = data.get("time") or [None] * len(steps)
    # JSON has no NaN: the CLI writes a NaN value as null.
    return [Point(s, float("nan") if v is None else v, t) for s, v, t in zip(steps, values, times)]


class RunRecord:
    """A run as recorded (`run.yaml`): fields as attributes (`run.id`, `run.params`, `run.metrics`,
    `run.status`, `run.parents`, ...) or by key (`run["env"]`); `run.record` is the whole mapping."""

    def __init__(self, record: Dict[str, Any], cwd: str, branch: str) -> None:
        self.record = record
        self._cwd = cwd
        self._branch = branch
        self._series_file: Optional[Dict[str, Any]] = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.record[name]
        except KeyError:
            raise AttributeError(f"run {self.record.get('id')} has no field {name!r}") from None

    def __getitem__(self, key: str) -> Any:
        return self.record[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.record.get(key, default)

    def __repr__(self) -> str:
        return f"RunRecord(id={self.record.get('id')!r}, name={self.record.get('name')!r}, status={self.record.get('status')!r})"

    def series(self, key: str, full: bool = True) -> List[Point]:
        """The points of series `key` (e.g. "val/acc"), in step order.

        full=True reads every logged point when this repository's object store has the run's
        full-resolution copy (runs with more than 1,000 points are downsampled on the branch);
        otherwise, or with full=False, the stored points of the branch's series.json.
        """
        info = (self.record.get("series") or {}).get(key)
        if info is None:
            known = ", ".join(sorted(self.record.get("series") or {})) or "none"
            raise KeyError(f"run {self.record.get('id')} has no series {key!r} (its series: {known})")
        digest = info.get("sha256")
        if full and digest:
            path = os.path.join(self._cwd, ".runpages", "objects", "sha256", digest[:2], digest[2:])
            try:
                with open(path, encoding="utf-8") as file:
                    return _points(json.load(file)["series"][key])
            except (OSError, ValueError, KeyError):
                pass  # not fetched here: the branch's stored points
        return _points(self._stored().get(key, {}))

    def _stored(self) -> Dict[str, Any]:
        if self._series_file is None:
            text = None
            for ref in (self._branch, f"origin/{self._branch}"):
                for folder in _folders(self.record):
                    done = subprocess.run(["git", "show", f"{ref}:{folder}/series.json"], cwd=self._cwd, capture_output=True, text=True)
                    if done.returncode == 0:
                        text = done.stdout
                        break
                if text is not None:
                    break
            self._series_file = json.loads(text)["series"] if text else {}
        return self._series_file


class RunList(list):  # of RunRecord
    """The runs `runs()` found, newest first (a list), with `to_pandas()`."""

    def to_pandas(self) -> Any:
        """One row per run: id, name, project, status, user, created, tags, then `params.<key>` and
        `metrics.<key>` columns (nested params flattened with `.`). Needs pandas installed."""
        try:
            import pandas
        except ImportError:
            raise RunpagesError("to_pandas() needs pandas: pip install pandas (or pip install 'runpages[pandas]')") from None
        rows = []
        for run in self:
            record = run.record
            row: Dict[str, Any] = {field: record.get(field) for field in ("id", "name", "project", "status", "user", "created", "tags")}
            _flatten("params", record.get("params") or {}, row)
            for key, value in (record.get("metrics") or {}).items():
                row[f"metrics.{key}"] = float("nan") if value is None else value
            rows.append(row)
        return pandas.DataFrame(rows)


def _flatten(prefix: str, value: Any, out: Dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    else:
        out[prefix] = value


def runs(query: str = "", project: Optional[str] = None, branch: Optional[str] = None, cwd: Optional[str] = None) -> RunList:
    """The runs matching `query` (the query language of `runpages ls` and the site's filter box,
    e.g. "metrics.acc > 0.9 and params.dataset = 'v3'"), newest first.

    project: only that project's runs; branch: read this branch instead of the configured runs
    branch; cwd: the repository (default: the current directory). Raises RunpagesError when the CLI
    cannot run or rejects the query (its message and hint included).
    """
    from . import _cli, _repo_root

    where = os.path.abspath(cwd or os.getcwd())
    root = _repo_root(where) or where
    command = _cli() + ["ls", "--json"]
    if project is not None:
        command += ["--project", project]
    if branch is not None:
        command += ["--from", branch]
    if query:
        command.append(query)
    try:
        done = subprocess.run(command, cwd=where, capture_output=True, text=True)
    except OSError as error:
        raise RunpagesError(f"cannot run {' '.join(command)} ({error}): set RUNPAGES_BIN to the runpages CLI, e.g. 'node /path/to/bin/runpages.js'") from None
    if done.returncode != 0:
        message = "\n".join(line for line in done.stderr.strip().splitlines() if line.strip()) or f"exit status {done.returncode}"
        raise RunpagesError(f"runpages ls failed: {message}")
    records: Iterable[Dict[str, Any]] = json.loads(done.stdout or "[]")
    chosen = branch or _config_branch(root)
    return RunList(RunRecord(record, root, chosen) for record in records)
