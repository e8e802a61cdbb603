"""XGBoost: `RunpagesCallback`, a TrainingCallback that records the boosting rounds: each round's
evaluation results (`evals_log`) as series `<data>/<metric>` at step = round, and the booster's
params when training begins (given as `params=`, since XGBoost does not hand them to callbacks).

    from runpages.xgboost import RunpagesCallback
    booster = xgb.train(params, dtrain, 100, evals=[(dvalid, "valid")], callbacks=[RunpagesCallback(project="boost", params=params)])

Works with the scikit-learn wrappers too (`XGBClassifier(callbacks=[...])`).
"""

from typing import Any, Iterable, Mapping, Optional

import xgboost
from xgboost.callback import TrainingCallback

import runpages

from ._guard import Guarded, guarded, plain

__all__ = ["RunpagesCallback"]


class RunpagesCallback(TrainingCallback, Guarded):
    """project, name, tags: passed to `runpages.start` (ignored when `run` is given); params: the
    training params to record (e.g. the dict given to `xgb.train`)."""

    def __init__(
        self,
        project: Optional[str] = None,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        params: Optional[Mapping[str, Any]] = None,
        run: Optional[runpages.Run] = None,
    ) -> None:
        super().__init__()
        self._project = project
        self._name = name
        self._tags = list(tags or [])
        self._params = dict(params or {})
        self.run: Optional[runpages.Run] = run

    def before_training(self, model: Any) -> Any:
        self._start()
        return model  # always: XGBoost trains whatever this returns

    @guarded
    def _start(self) -> None:
        if self.run is None:
            self.run = runpages.start(project=self._project, name=self._name, tags=self._tags)
        self.run.runtime("xgboost", xgboost.__version__)
        for key, value in self._params.items():
            self.run.param(str(key), plain(value))

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        self._log_round(epoch, evals_log)
        return False  # never stops training

    @guarded
    def _log_round(self, epoch: int, evals_log: Any) -> None:
        # XGBoost passes the same growing history every round; kept so after_training can log a
        # round whose after_iteration never reached us (an earlier callback, like early stopping,
        # ended training on it).
        self._history = evals_log
        rounds = _rounds(evals_log)
        # Training on from an existing booster (xgb_model=) numbers rounds after its own.
        self._offset = epoch - (rounds - 1)
        self._log_rounds(rounds - 1, rounds)

    def _log_rounds(self, start: int, end: int) -> None:
        """Logs entries start..end-1 of the history (entry i is round i + offset)."""
        if self.run is None:
            return
        for index in range(start, end):
            values = {}
            for data, metrics in (getattr(self, "_history", None) or {}).items():
                for metric, history in metrics.items():
                    if index < len(history):
                        entry = history[index]
                        # With cross-validation (xgb.cv) each entry is (mean, std).
                        values[f"{data}/{metric}"] = float(entry[0] if isinstance(entry, tuple) else entry)
            if values:
                self.run.log(values, step=index + getattr(self, "_offset", 0))
            self._logged = index + 1

    def after_training(self, model: Any) -> Any:
        self._finish(model)
        return model

    @guarded
    def _finish(self, model: Any) -> None:
        if self.run is None:
            return
        self._log_rounds(getattr(self, "_logged", 0), _rounds(getattr(self, "_history", None)))
        best = model.attr("best_iteration")  # set by early stopping
        if best is not None:
            self.run.param("best_iteration", int(best))
        self.run.finish("finished")


def _rounds(evals_log: Any) -> int:
    """How many rounds the history holds (its longest list)."""
    return max((len(history) for metrics in (evals_log or {}).values() for history in metrics.values()), default=0)
