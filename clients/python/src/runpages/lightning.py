"""PyTorch Lightning: `RunpagesLogger`, a Lightning logger that records hyperparameters, metrics and
the checkpoints ModelCheckpoint kept (as artifacts) in one run per fit.

    from runpages.lightning import RunpagesLogger
    trainer = lightning.Trainer(logger=RunpagesLogger(project="autoencoder"), max_epochs=10)

Only rank zero records. The run starts when Lightning first uses the logger and is published when
Lightning finalizes it: `finished` on success, `killed` on Ctrl-C or SIGTERM, `failed` otherwise.
"""

import os
import sys
from argparse import Namespace
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

import lightning
import torch
from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
from lightning.pytorch.utilities import rank_zero_only

import runpages

from ._guard import Guarded, guarded, numeric, plain

__all__ = ["RunpagesLogger"]


class RunpagesLogger(Logger, Guarded):
    """A Lightning logger writing to a runpages run.

    project, name, tags: passed to `runpages.start` (ignored when `run` is given: log into that run,
    which this logger then finishes); log_checkpoints: copy the checkpoints ModelCheckpoint kept
    (its best k and last) into the run's artifacts/checkpoints/ at the end; prefix: put before
    every metric name, e.g. "pl/".
    """

    def __init__(
        self,
        project: Optional[str] = None,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        run: Optional[runpages.Run] = None,
        log_checkpoints: bool = True,
        prefix: str = "",
    ) -> None:
        super().__init__()
        self._project = project
        self._run_name = name
        self._tags = list(tags or [])
        self._run = run
        self._log_checkpoints = log_checkpoints
        self._prefix = prefix
        self._checkpoint_callbacks: List[Any] = []

    # -- what Lightning asks of a logger ---------------------------------------------------------

    @property
    def name(self) -> str:
        return "runpages"

    @property
    def version(self) -> str:
        run = self._run
        return run.id if run is not None else ("pending" if getattr(rank_zero_only, "rank", 0) else self.experiment.id)

    @property
    def save_dir(self) -> Optional[str]:
        return None  # checkpoints go under the Trainer's default_root_dir/runpages/<run id>/

    @property
    @rank_zero_experiment
    def experiment(self) -> runpages.Run:
        """The runpages run (started on first use)."""
        if self._run is None:
            self._run = runpages.start(project=self._project, name=self._run_name, tags=self._tags)
        if not getattr(self._run, "_runpages_lightning", False):
            self._run._runpages_lightning = True  # type: ignore[attr-defined]
            self._run.runtime("lightning", lightning.__version__)
            self._run.runtime("torch", torch.__version__)
        return self._run

    @rank_zero_only
    @guarded
    def log_hyperparams(self, params: Union[Dict[str, Any], Namespace, Mapping[str, Any]], *args: Any, **kwargs: Any) -> None:
        values = vars(params) if isinstance(params, Namespace) else dict(params or {})
        for key, value in values.items():
            self.experiment.param(str(key), plain(value))

    @rank_zero_only
    @guarded
    def log_metrics(self, metrics: Mapping[str, Any], step: Optional[int] = None) -> None:
        values = numeric(metrics)
        if self._prefix:
            values = {self._prefix + key: value for key, value in values.items()}
        self.experiment.log(values, step=step)

    @guarded
    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        if checkpoint_callback not in self._checkpoint_callbacks:
            self._checkpoint_callbacks.append(checkpoint_callback)

    @rank_zero_only
    @guarded
    def finalize(self, status: str) -> None:
        run = self._run
        if run is None:
            return
        if self._log_checkpoints:
            self._copy_checkpoints(run)
        error = sys.exc_info()[1]
        if isinstance(error, KeyboardInterrupt) or runpages._terminated:
            outcome = "killed"
        elif status in ("success", "finished"):
            outcome = "finished"
        else:
            outcome = "failed"
        run.finish(outcome)

    @guarded  # a checkpoint that cannot be copied must not keep the run from being finished
    def _copy_checkpoints(self, run: runpages.Run) -> None:
        kept = []
        for callback in self._checkpoint_callbacks:
            kept += list(getattr(callback, "best_k_models", {}) or {})
            # Without a monitored metric only best_model_path names the kept checkpoint.
            kept += [getattr(callback, "best_model_path", "") or "", getattr(callback, "last_model_path", "") or ""]
        for path in dict.fromkeys(kept):
            if path and os.path.isfile(path):
                run.artifact(path, name=f"checkpoints/{os.path.basename(path)}")
