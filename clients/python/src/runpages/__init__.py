"""runpages: record training runs from Python (stdlib only, Python >= 3.9).

    import runpages

    with runpages.start(project="cifar", params={"lr": 0.1}, tags=["baseline"]) as run:
        for step in range(1000):
            run.log({"train/loss": loss}, step=step)
        run.artifact("model.pt")

The run is written as a run directory (metrics.jsonl, params.json, notes.md, artifacts/, run.yaml)
and published when the block ends by the `runpages commit <dir>` CLI. Under `runpages record`
(RUNPAGES_DIR is set) it writes into that directory instead and `record` publishes it.

Recording never raises into training code: every problem becomes a `warnings.warn`, and a run that
cannot be published stays on disk (and in runpages' queue) for `runpages sync`.
"""

import atexit
import getpass
import json
import math
import os
import platform
import queue
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from . import _media

from . import _machine

__all__ = ["start", "Run", "RunpagesWarning", "runs", "RunRecord", "RunpagesError"]
__version__ = "0.1.0"

# Metrics are written to metrics.jsonl once this many lines are buffered, or this many seconds passed.
FLUSH_LINES = 10_000
FLUSH_SECONDS = 5.0
# `runpages commit` exits with this status when the run is queued rather than published.
QUEUED_EXIT_CODE = 3

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# -- redaction: the rules of runpages' src/record/secret-rules.json, applied as src/record/redact.ts does ----------


def _find_secret_rules() -> Optional[str]:
    """secret-rules.json: shipped beside this module, else in the runpages package or checkout this module lives in."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(here, "secret-rules.json")]
    folder = here
    for _ in range(6):
        candidates.append(os.path.join(folder, "src", "record", "secret-rules.json"))
        folder = os.path.dirname(folder)
    return next((path for path in candidates if os.path.isfile(path)), None)


def _load_secret_rules() -> Optional[Dict[str, Any]]:
    path = _find_secret_rules()
    if path is None:
        return None
    with open(path, encoding="utf-8") as file:
        rules = json.load(file)
    flags = lambda rule: re.I if "i" in rule.get("flags", "") else 0  # noqa: E731
    return {
        "replacement": rules["replacement"],
        "secret_key": re.compile(rules["secretKey"]),
        "not_secret_key": re.compile(rules["notSecretKey"]),
        "tokens": [re.compile(rule["pattern"], flags(rule)) for rule in rules["knownTokens"]],
        "prefix": [(re.compile(rule["pattern"], flags(rule)), rule.get("suffix", "")) for rule in rules["prefixRules"]],
        "option": re.compile(rules["option"]),
        "key_value": re.compile(rules["keyValue"]),
    }


try:
    _RULES = _load_secret_rules()
except (OSError, ValueError, KeyError, re.error):  # a broken rules file must not break training
    _RULES = None
REDACTED = _RULES["replacement"] if _RULES else "[redacted]"


def _is_secret_key(key: str) -> bool:
    """A key that names a secret (`hf_token`, `PGPASSWORD`, `wandb.api_key`; not `max_tokens`, `tokenizer`, `PWD`)."""
    if _RULES is None:
        return False
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"^[^A-Za-z0-9]+", "", key)).lower()
    return _RULES["secret_key"].search(_RULES["not_secret_key"].sub(" ", name)) is not None


def _mask_pairs(text: str, pattern: "re.Pattern[str]", key_group: int, value_group: int) -> str:
    """`key=value` matches with a secret key masked; after an ordinary key the scan resumes at its value."""
    out, last, position = [], 0, 0
    while True:
        match = pattern.search(text, position)
        if match is None:
            break
        value_start = match.start(value_group)
        if _is_secret_key(match.group(key_group)):
            out.append(text[last:value_start] + REDACTED)
            last = position = match.end()
        else:
            position = value_start
    out.append(text[last:])
    return "".join(out)


def _redact_text(text: str) -> str:
    """Known token shapes, Authorization headers, URL credentials and secret `key=value` pairs masked."""
    if _RULES is None:
        return text
    for pattern in _RULES["tokens"]:
        text = pattern.sub(REDACTED, text)
    for pattern, suffix in _RULES["prefix"]:
        text = pattern.sub(lambda match: match.group(1) + REDACTED + suffix, text)
    text = _mask_pairs(text, _RULES["option"], 1, 3)
    return _mask_pairs(text, _RULES["key_value"], 2, 4)


def _redact(value: Any) -> Any:
    """Params, lists and text with secrets masked: secret keys' values, `["--password", "x"]`, text rules."""
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, Mapping):
        return {key: REDACTED if _is_secret_key(str(key)) else _redact(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        out: List[Any] = []
        mask_next = False
        for item in value:
            if mask_next:
                mask_next = False
                if not (isinstance(item, str) and item.startswith("-")):
                    out.append(REDACTED)
                    continue
            if isinstance(item, str) and re.match(r"^--?[A-Za-z][A-Za-z0-9_.-]+$", item) and _is_secret_key(item):
                out.append(item)
                mask_next = True
                continue
            out.append(_redact(item))
        return out
    return value


class RunpagesWarning(UserWarning):
    """A problem while recording; the training job goes on."""


def _warn(message: str) -> None:
    warnings.warn(message, RunpagesWarning, stacklevel=3)


def _ulid(now_ms: int) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, Crockford base 32 (sortable by time)."""
    value = (now_ms << 80) | random.SystemRandom().getrandbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number_text(value: float) -> str:
    """JSON for a float; NaN and infinities as the bare tokens runpages reads (as Python's json does)."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _repo_root(cwd: str) -> Optional[str]:
    folder = os.path.abspath(cwd)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _git(cwd: str, *args: str) -> Optional[str]:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _git_info(cwd: str) -> Dict[str, Any]:
    info: Dict[str, Any] = {}
    commit = _git(cwd, "rev-parse", "HEAD")
    if not commit:
        return info
    info["commit"] = commit
    branch = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")
    if branch and branch != "HEAD":
        info["branch"] = branch
    remote = _git(cwd, "remote", "get-url", "origin")
    if remote:
        info["remote"] = _redact_text(remote)
    return info


def _command_line(argv: List[str]) -> str:
    """The command, with secrets masked (`--token x`, `--api-key=x`, `db.password=x`, `hf_...`)."""
    return " ".join(shlex.quote(a) for a in [os.path.basename(sys.executable or "python")] + _redact(list(argv)))


def _cli() -> List[str]:
    """How to run the runpages CLI: $RUNPAGES_BIN (a command line), `runpages` on PATH, else `npx --no-install runpages` (the project's node_modules)."""
    configured = os.environ.get("RUNPAGES_BIN")
    if configured:
        return shlex.split(configured)
    found = shutil.which("runpages")
    if found:
        return [found]
    # --no-install: use the project's own runpages (node_modules/.bin), never fetch one from the registry.
    return ["npx", "--no-install", "runpages"]


class Run:
    """A run in progress. Create it with `runpages.start(...)`; use it as a context manager or call `finish()`."""

    def __init__(
        self,
        project: Optional[str] = None,
        name: Optional[str] = None,
        params: Optional[Mapping[str, Any]] = None,
        tags: Optional[Iterable[str]] = None,
        dir: Optional[str] = None,
        parents: Optional[Iterable[str]] = None,
        total_steps: Optional[int] = None,
    ) -> None:
        self._started = time.time()
        # The steps the job will take, shown as the live run's progress (step of total).
        self.total_steps = total_steps
        self._companion = _Companion()
        # Git state and machine, captured once at the start as `runpages record` does (see _machine.py).
        self._git_state: Dict[str, Any] = {}
        self._machine: Dict[str, Any] = {}
        self._lines: List[str] = []
        self._keys: Dict[str, str] = {}
        self._bad_keys: set = set()
        self._step = -1
        self._last_flush = time.monotonic()
        self._pending: "queue.Queue[List[str]]" = queue.Queue()
        self._writer: Optional[threading.Thread] = None
        self._finished = False
        self._params: Dict[str, Any] = dict(params or {})
        self.project = project
        self.name = name
        self.tags = list(tags or [])
        # Ids of the runs this one belongs to (an Optuna trial lists its study's run).
        self.parents = [str(parent) for parent in parents or []]
        # Library versions for env.runtimes beside python's (an integration adds its framework's).
        self._runtimes: Dict[str, str] = {}
        recording_dir = os.environ.get("RUNPAGES_DIR")
        # Under `runpages record` the recorder owns run.yaml and publishing; we only add files.
        self.under_record = bool(recording_dir) and dir is None
        if self.under_record:
            self.dir = os.path.abspath(recording_dir or "")
            self.id = os.environ.get("RUNPAGES_RUN_ID") or os.path.basename(self.dir)
            recorded_project = os.environ.get("RUNPAGES_PROJECT")
            if (project and recorded_project and project != recorded_project) or name or self.tags:
                _warn("runpages: under `runpages record` the run's project, name and tags come from record's "
                      f"--project, --name and --tag (this run is in project {recorded_project!r}); those given to start() are not used")
        else:
            self.id = _ulid(int(self._started * 1000))
            root = _repo_root(os.getcwd()) or os.getcwd()
            self.dir = os.path.abspath(dir or os.path.join(root, ".runpages", "runs", self.id))
        self._metrics_path = os.path.join(self.dir, "metrics.jsonl")
        try:
            os.makedirs(self.dir, exist_ok=True)
            if self._params:
                self._write_params()
            if not self.under_record:
                self._capture_machine()
                self._write_record("running")
                self._companion.start_later(self.dir)
        except OSError as error:
            _warn(f"runpages: cannot create the run directory {self.dir}: {error}")

    # -- logging ---------------------------------------------------------------------------------

    def log(self, metrics: Mapping[str, Any], step: Optional[int] = None) -> None:
        """Buffers one point of each metric at `step` (default: the previous step + 1). Cheap; never raises."""
        try:
            if step is None:
                step = self._step + 1
            self._step = step
            # Time in integer milliseconds: formatting an int is cheaper than a float (runpages reads both).
            parts = ['{"step":%d,"time":%d' % (step, time.time() * 1000)]
            keys = self._keys
            for key, value in metrics.items():
                encoded = keys.get(key)
                # Fast path: a known key with a finite float (x - x is NaN for NaN and infinities).
                if encoded is not None and type(value) is float and value - value == 0.0:
                    parts.append(encoded + repr(value))
                else:
                    self._encode(str(key), value, parts)
            parts.append("}")
            self._lines.append("".join(parts))
            if len(self._lines) >= FLUSH_LINES or time.monotonic() - self._last_flush > FLUSH_SECONDS:
                self._hand_off()
        except Exception as error:  # never into training code
            _warn(f"runpages: log() failed: {error}")

    def _encode(self, name: str, value: Any, parts: List[str]) -> None:
        """Appends `,"name":value`; nested mappings flatten with `/` (`{"val": {"acc": 1}}` is `val/acc`)."""
        if isinstance(value, Mapping):
            for key, inner in value.items():
                self._encode(f"{name}/{key}", inner, parts)
            return
        try:
            number = float(value)  # also numpy and torch scalars
        except (TypeError, ValueError):
            if name not in self._bad_keys:
                self._bad_keys.add(name)
                _warn(f"runpages: metric {name!r} got {value!r}, which is not a number; not logged (use run.param or run.note for text)")
            return
        encoded = self._keys.get(name)
        if encoded is None:
            # metrics.jsonl keeps "step" and "time" for itself.
            encoded = self._keys[name] = "," + json.dumps("_" + name if name in ("step", "time") else name) + ":"
        parts.append(encoded + _number_text(number))

    def _hand_off(self) -> None:
        """Passes the buffered lines to the writer thread, so the training loop never waits on the disk."""
        self._last_flush = time.monotonic()
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_lines, name="runpages-writer", daemon=True)
            self._writer.start()
        self._pending.put(lines)

    def _write_lines(self) -> None:
        while True:
            lines = self._pending.get()
            try:
                with open(self._metrics_path, "a", encoding="utf-8") as file:
                    file.write("\n".join(lines) + "\n")
            except OSError as error:
                _warn(f"runpages: cannot write {self._metrics_path}: {error}")
            finally:
                self._pending.task_done()

    def flush(self) -> None:
        """Writes buffered metrics to metrics.jsonl and waits until they are on disk (log() hands them to a writer thread every 10,000 points or 5 seconds)."""
        self._hand_off()
        if self._writer is not None:
            self._pending.join()

    def param(self, key: str, value: Any) -> None:
        """Sets one param (nested mappings allowed)."""
        try:
            self._params[str(key)] = value
            self._write_params()
        except Exception as error:
            _warn(f"runpages: param({key!r}) failed: {error}")

    def artifact(self, path: str, name: Optional[str] = None) -> None:
        """Copies a file or folder into the run's artifacts/ now (later changes to it are not recorded)."""
        try:
            target = os.path.join(self.dir, "artifacts", name or os.path.basename(os.path.normpath(path)))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(path):
                shutil.copytree(path, target, dirs_exist_ok=True)
            else:
                shutil.copyfile(path, target)
        except Exception as error:
            _warn(f"runpages: artifact({path!r}) failed: {error}")

    def runtime(self, name: str, version: str) -> None:
        """Records a library's version in the run's env (`env.runtimes`), e.g. `run.runtime("torch", torch.__version__)`."""
        try:
            self._runtimes[str(name)] = str(version)
            if not self.under_record and not self._finished:
                self._write_record("running")
        except Exception as error:
            _warn(f"runpages: runtime({name!r}) failed: {error}")

    def note(self, text: str) -> None:
        """Appends Markdown to the run's notes."""
        try:
            text = _redact_text(text)
            with open(os.path.join(self.dir, "notes.md"), "a", encoding="utf-8") as file:
                file.write(text if text.endswith("\n") else text + "\n")
        except Exception as error:
            _warn(f"runpages: note() failed: {error}")

    # -- media (docs/design.md#media) ----------------------------------------------------------------

    def _medium(self, what: str, key: str, kind: str, build, step: Optional[float], caption: Optional[str] = None) -> Optional[str]:
        """Builds, checks and writes one medium; a problem is a warning, never an exception. Returns its sha256."""
        try:
            return _media.write_medium(self.dir, key, kind, build(), step=step, caption=caption)
        except _media.MediaProblem as problem:
            _warn(f"runpages: {what}({key!r}) {problem}; not logged")
        except Exception as error:  # never into training code
            _warn(f"runpages: {what}({key!r}) failed: {error}; not logged")
        return None

    def log_image(self, key: str, image: Any, step: Optional[float] = None, caption: Optional[str] = None) -> Optional[str]:
        """Logs an image: a path, bytes (PNG, JPEG, GIF, WebP, SVG), a matplotlib figure (anything with
        `savefig`), a PIL image or an H x W (x 3|4) array of pixels. Shown in a grid with a step slider.
        Returns its sha256 (a table cell can refer to it as `{"image": sha256}`), or None if refused.

            run.log_image("val/samples", fig, step=epoch, caption=f"epoch {epoch}")
        """
        return self._medium("log_image", key, "image", lambda: _media.image_bytes(image), step, caption)

    def log_confusion_matrix(self, key: str, labels: Optional[Sequence[Any]] = None, matrix: Any = None,
                             y_true: Any = None, y_pred: Any = None, step: Optional[float] = None) -> Optional[str]:
        """Logs a confusion matrix: `labels` and `matrix` (rows: true class, columns: predicted), or
        `y_true` and `y_pred` to count (`labels` then fixes the order).

            run.log_confusion_matrix("val/confusion", y_true=y, y_pred=p, labels=["cat", "dog"], step=epoch)
        """
        def build() -> bytes:
            if matrix is not None:
                data = {"labels": [str(label) for label in _media._plain(labels or [])], "matrix": _media._plain(matrix)}
            elif y_true is not None and y_pred is not None:
                data = _media.confusion_from(y_true, y_pred, _media._plain(labels) if labels is not None else None)
            else:
                raise _media.MediaProblem("needs labels and matrix, or y_true and y_pred")
            return _media.json_bytes("confusion_matrix", data)
        return self._medium("log_confusion_matrix", key, "confusion_matrix", build, step)

    def log_curve(self, key: str, kind: str = "roc", y_true: Any = None, y_score: Any = None, x: Any = None, y: Any = None,
                  x_label: Optional[str] = None, y_label: Optional[str] = None, step: Optional[float] = None) -> Optional[str]:
        """Logs a curve: ROC or precision-recall computed from `y_true` (0/1) and `y_score`, with its AUC or
        average precision recorded as the metric `<key>/auc` or `<key>/ap`; or any `x` and `y`.

            run.log_curve("val/roc", kind="roc", y_true=y, y_score=scores)
        """
        def build() -> bytes:
            if y_true is not None and y_score is not None:
                if kind not in ("roc", "pr"):
                    raise _media.MediaProblem(f"has kind {kind!r}; computed curves are roc or pr")
                data = _media.roc_curve(y_true, y_score) if kind == "roc" else _media.pr_curve(y_true, y_score)
            elif x is not None and y is not None:
                if kind not in ("roc", "pr", "custom"):
                    raise _media.MediaProblem(f"has kind {kind!r}; it must be roc, pr or custom")
                data = {"curve": kind, "x": _media._plain(x), "y": _media._plain(y)}
                if x_label is not None:
                    data["x_label"] = str(x_label)
                if y_label is not None:
                    data["y_label"] = str(y_label)
            else:
                raise _media.MediaProblem("needs y_true and y_score, or x and y")
            return _media.json_bytes("curve", data)
        return self._medium("log_curve", key, "curve", build, step)

    def log_histogram(self, key: str, values: Any = None, step: Optional[float] = None, bins: Any = 30, counts: Any = None) -> Optional[str]:
        """Logs a histogram at a step (one per step shows the distribution over time): raw `values` binned
        in `bins` equal bins (default 30), or ready `bins` (edges) and `counts`.

            run.log_histogram("weights/fc1", model.fc1.weight, step=epoch)
        """
        def build() -> bytes:
            if counts is not None:
                data = {"bins": _media._plain(bins), "counts": _media._plain(counts)}
            elif values is not None:
                data = _media.histogram_of(values, int(bins))
            else:
                raise _media.MediaProblem("needs values, or bins and counts")
            return _media.json_bytes("histogram", data)
        return self._medium("log_histogram", key, "histogram", build, step)

    def log_table(self, key: str, rows: Any, columns: Optional[Sequence[str]] = None, step: Optional[float] = None,
                  label: Optional[str] = None, prediction: Optional[str] = None) -> Optional[str]:
        """Logs a table: rows as lists (with `columns`) or dicts (columns from their keys), or a pandas
        DataFrame. A cell may be an image (bytes, a figure, or `{"image": sha256}` from log_image), shown as
        a thumbnail. Columns named label/prediction (or given as `label=`, `prediction=`) mark mispredictions.

            run.log_table("val/predictions", [{"image": png, "label": "cat", "prediction": "dog", "score": 0.41}])
        """
        def build() -> bytes:
            table_rows, names = rows, columns
            if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
                names = [str(c) for c in rows.columns] if names is None else names
                table_rows = rows.to_dict("records")
            table_rows = list(table_rows)
            if names is None:
                names = []
                for row in table_rows:
                    for name in (row.keys() if isinstance(row, Mapping) else []):
                        if str(name) not in names:
                            names.append(str(name))
            if not names and table_rows and not isinstance(table_rows[0], Mapping):
                names = [str(index) for index in range(len(table_rows[0]))]
            image = lambda value: self.log_image(f"{key}/images", value, step=step)  # noqa: E731
            cells = [[_media.table_cell(row.get(name) if isinstance(row, Mapping) else value, image)
                      for name, value in (zip(names, names) if isinstance(row, Mapping) else zip(names, row))]
                     for row in table_rows]
            data: Dict[str, Any] = {"columns": [str(name) for name in names], "rows": cells}
            if label is not None:
                data["label"] = label
            if prediction is not None:
                data["prediction"] = prediction
            return _media.json_bytes("table", data)
        return self._medium("log_table", key, "table", build, step)

    def log_text(self, key: str, text: str, step: Optional[float] = None) -> Optional[str]:
        """Logs a text sample (an LLM generation, a decoded batch), shown by step; secrets are masked.

            run.log_text("samples", generated, step=epoch)
        """
        return self._medium("log_text", key, "text", lambda: _redact_text(str(text)).encode("utf-8"), step)

    # -- finishing -------------------------------------------------------------------------------

    def finish(self, status: str = "finished") -> None:
        """Flushes and, unless under `runpages record`, publishes the run with `runpages commit`. Runs once."""
        if self._finished:
            return
        self._finished = True
        try:
            self.flush()
            if self.under_record:
                return
            # Heartbeats end before the final publish, so none can land after it.
            self._companion.stop()
            self._write_record(status)
            self._publish()
        except Exception as error:
            _warn(f"runpages: finishing the run failed: {error}; the run is in {self.dir} (publish it with `runpages commit {self.dir}`)")

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None:
            status = "finished"
        elif issubclass(kind, KeyboardInterrupt) or _terminated:
            status = "killed"
        else:
            status = "failed"
        self.finish(status)
        return False  # the exception, if any, goes on

    def _write_params(self) -> None:
        path = os.path.join(self.dir, "params.json")
        with open(path + ".tmp", "w", encoding="utf-8") as file:
            json.dump(_redact(self._params), file, indent=2, sort_keys=True, default=str)
        os.replace(path + ".tmp", path)

    def _write_record(self, status: str) -> None:
        # JSON is YAML, so run.yaml needs no YAML library.
        now = time.time()
        record: Dict[str, Any] = {
            "schema": "runpages/run@1",
            "id": self.id,
            "status": status,
            "created": _iso(self._started),
            "user": _user(),
            "host": socket.gethostname(),
            "command": _command_line(sys.argv),
            "env": {**self._machine, "runtimes": {"python": platform.python_version(), **self._runtimes}},
            "tags": self.tags,
        }
        if self.project:
            record["project"] = self.project
        if self.name:
            record["name"] = self.name
        if self.parents:
            record["parents"] = self.parents
        if self.total_steps is not None:
            record["total_steps"] = self.total_steps
        git = self._git_state or _git_info(os.getcwd())
        if git:
            record["git"] = git
        if status != "running":
            record["ended"] = _iso(now)
            record["duration_s"] = round(now - self._started, 3)
        path = os.path.join(self.dir, "run.yaml")
        with open(path + ".tmp", "w", encoding="utf-8") as file:
            json.dump(record, file, indent=2)
        os.replace(path + ".tmp", path)

    def _capture_machine(self) -> None:
        """Git state (the dirty diff to git.diff, as `record` leaves it) and the machine, once, with record's spellings."""
        try:
            cwd = os.getcwd()
            self._git_state, diff = _machine.git_state(cwd)
            if diff is not None:
                with open(os.path.join(self.dir, "git.diff"), "wb") as file:
                    file.write(diff)
            self._machine = _machine.environment(_repo_root(cwd) or cwd, {}, _redact_text)
            self._machine.pop("runtimes", None)
        except Exception as error:  # never into training code
            _warn(f"runpages: capturing the git state and machine failed: {error}")

    def _publish(self) -> None:
        command = _cli() + ["commit", self.dir, "--json"]
        try:
            result = subprocess.run(command, capture_output=True, text=True)
        except OSError as error:
            _warn(f"runpages: cannot run {' '.join(command)} ({error}); the run is in {self.dir}: publish it with `runpages commit {self.dir}`")
            return
        if result.returncode == QUEUED_EXIT_CODE:
            _warn(f"runpages: run {self.id} is queued, not published: {_last_line(result.stderr)} Publish it later with `runpages sync`.")
        elif result.returncode != 0:
            _warn(f"runpages: publishing run {self.id} failed: {_last_line(result.stderr)} The run is in {self.dir}: fix the cause, then `runpages commit {self.dir}`.")
        else:
            _announce(result.stdout, self.id)


def _live_off() -> bool:
    """RUNPAGES_LIVE_INTERVAL=0/off/false: no heartbeats for this job (the config's `live: false` is read by the companion)."""
    return os.environ.get("RUNPAGES_LIVE_INTERVAL", "").strip().lower() in ("0", "off", "false")


# Seconds before the companion starts: a run shorter than this publishes only its final state and
# costs no extra process (a sweep of quick trials stays quick). Shorter when RUNPAGES_LIVE_INTERVAL is.
COMPANION_DELAY_S = 5.0


class _Companion:
    """`runpages live <dir>` beside the job: it publishes the run's heartbeats until its stdin closes.

    The pipe is the job's lifeline: if Python dies (even by SIGKILL) the pipe closes and the companion
    stops, so the run goes quiet and shows as crashed. Best effort: without a CLI there are no heartbeats.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None
        self._process: "Optional[subprocess.Popen[bytes]]" = None
        self._stopped = False

    def start_later(self, run_dir: str) -> None:
        if _live_off():
            return
        delay = COMPANION_DELAY_S
        try:
            delay = min(delay, float(os.environ.get("RUNPAGES_LIVE_INTERVAL", "") or delay))
        except ValueError:
            pass
        self._timer = threading.Timer(max(0.0, delay), self._start, args=(run_dir, os.getcwd()))
        self._timer.daemon = True
        self._timer.start()

    def _start(self, run_dir: str, cwd: str) -> None:
        with self._lock:
            if self._stopped:
                return
            try:
                self._process = subprocess.Popen(
                    _cli() + ["live", run_dir, "--pid", str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd
                )
            except (OSError, ValueError):
                self._process = None

    def stop(self) -> None:
        """Closes the companion's stdin and waits for its heartbeat in flight to stop (killed after 30 s)."""
        with self._lock:
            self._stopped = True
            if self._timer is not None:
                self._timer.cancel()
            process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        except OSError:
            pass


def _announce(commit_json: str, run_id: str) -> None:
    """Says on stderr, as `runpages record` does, which run was published: its name, id and page URL (with `site.url` set)."""
    try:
        published = json.loads(commit_json)
    except ValueError:
        published = {}
    name = published.get("name") if isinstance(published, dict) else None
    url = published.get("url") if isinstance(published, dict) else None
    line = f"runpages: run {name or run_id} ({run_id}) published"
    if isinstance(url, str) and url:
        line += f": {url} once the site is rebuilt"
    try:
        sys.stderr.write(_terminal_safe(line) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _terminal_safe(text: str) -> str:
    """Run names are data: control characters and bidi overrides shown as escapes, never sent to the terminal."""
    return "".join(ch if ch.isprintable() and not ("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069") else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error")]
    return (errors[-1] if errors else lines[-1] if lines else "no output").rstrip(".") + "."


_open_runs: List[Run] = []
_terminated = False


@atexit.register
def _finish_open_runs() -> None:
    # A run the script never finished (no `with`, no finish()) is finished when Python exits.
    for run in _open_runs:
        run.finish("killed" if _terminated else "finished")


def _on_sigterm(signum, frame) -> None:
    global _terminated
    _terminated = True
    raise SystemExit(128 + signum)


def _catch_sigterm() -> None:
    """SIGTERM (a scheduler cancelling the job) unwinds like Ctrl-C, so the run is published as killed.

    Only when nobody else handles SIGTERM and only from the main thread; under `runpages record` the
    recorder sees the signal itself.
    """
    try:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):
        pass


def start(
    project: Optional[str] = None,
    params: Optional[Mapping[str, Any]] = None,
    tags: Optional[Iterable[str]] = None,
    name: Optional[str] = None,
    dir: Optional[str] = None,
    parents: Optional[Iterable[str]] = None,
    total_steps: Optional[int] = None,
) -> Run:
    """Starts a run. Use it as `with runpages.start(...) as run:` or call `run.finish()` yourself.

    project: the project (default: the repository's folder name); name: a friendly name (default:
    made from the id); dir: where to write the run directory (default: .runpages/runs/<id>/ in the
    repository, or $RUNPAGES_DIR under `runpages record`); parents: ids of runs this one belongs to
    (e.g. a sweep's run); total_steps: the steps the job will take, shown as its live progress.

    While the run is open it is published as `running` every `live.interval` seconds (a companion
    `runpages live` process beside the job), so the site, `ls` and `watch` see it before it ends.
    """
    if _RULES is None:
        _warn("runpages: secret-rules.json was not found beside the runpages package; secrets are masked only when `runpages commit` publishes the run")
    run = Run(project=project, name=name, params=params, tags=tags, dir=dir, parents=parents, total_steps=total_steps)
    if not run.under_record:
        _catch_sigterm()
    _open_runs.append(run)
    return run


# Reading runs back (through `runpages ls --json`); imported last because it uses _cli() above.
from ._read import RunpagesError, RunRecord, runs  # noqa: E402
