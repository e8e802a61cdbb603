"""Optuna: `RunpagesCallback` records a study as a parent run and each trial as a child run of it
(the child's `parents` lists the study run's id), with the trial's params, value(s), intermediate
values (as the `value` series, step = Optuna's step) and state: a complete trial is `finished`, a
pruned one `killed`, a failed one `failed`.

    from runpages.optuna import RunpagesCallback
    with RunpagesCallback(project="sweep") as callback:
        study.optimize(objective, n_trials=50, callbacks=[callback])

The study run records the study's name and directions as params and, per trial, the trial's value
and the best value so far; it is published when the `with` block ends (or `callback.finish()`, or
when Python exits).
"""

from typing import Any, Dict, Iterable, Literal, Optional

import optuna
from optuna.trial import FrozenTrial, TrialState

import runpages

from ._guard import Guarded, guarded, plain

__all__ = ["RunpagesCallback"]

_STATUS = {TrialState.COMPLETE: "finished", TrialState.PRUNED: "killed", TrialState.FAIL: "failed"}


class RunpagesCallback(Guarded):
    """An Optuna callback (pass it in `study.optimize(..., callbacks=[...])`).

    project, name, tags: of the study's run (name defaults to the study's name); trial runs get the
    same project and tags and are named `<study run name>-trial-<number>`.
    """

    def __init__(self, project: Optional[str] = None, name: Optional[str] = None, tags: Optional[Iterable[str]] = None) -> None:
        self._project = project
        self._name = name
        self._tags = list(tags or [])
        self.study_run: Optional[runpages.Run] = None
        self.trial_runs: Dict[int, str] = {}

    def __enter__(self) -> "RunpagesCallback":
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> Literal[False]:
        if kind is None:
            self.finish("finished")
        elif issubclass(kind, KeyboardInterrupt) or runpages._terminated:
            self.finish("killed")
        else:
            self.finish("failed")
        return False

    @guarded
    def finish(self, status: str = "finished") -> None:
        """Publishes the study's run."""
        if self.study_run is not None:
            self.study_run.finish(status)

    @guarded
    def __call__(self, study: "optuna.Study", trial: FrozenTrial) -> None:
        parent = self._study_run(study)
        run = runpages.start(
            project=self._project,
            name=f"{parent.name or study.study_name}-trial-{trial.number}",
            params=plain(trial.params),
            tags=self._tags,
            parents=[parent.id],
        )
        run.runtime("optuna", optuna.__version__)
        run.param("trial", trial.number)
        for step, value in sorted(trial.intermediate_values.items()):
            run.log({"value": value}, step=step)
        values = trial.values or []
        final: Dict[str, float] = {}
        if len(values) == 1:
            final["value"] = values[0]
        else:
            final.update({f"value_{index}": value for index, value in enumerate(values)})
        # A pruned trial's value is its last intermediate value, already logged at its step.
        if final and trial.state != TrialState.PRUNED:
            last = max(trial.intermediate_values, default=-1)
            run.log(final, step=last + 1)
        for key, value in trial.user_attrs.items():
            run.param(f"user_attrs/{key}", plain(value))
        run.finish(_STATUS.get(trial.state, "failed"))
        self.trial_runs[trial.number] = run.id

        study_metrics: Dict[str, float] = {}
        if final:
            study_metrics.update({f"trial/{key}": value for key, value in final.items()})
        if len(study.directions) == 1:
            try:
                study_metrics["best_value"] = study.best_value
            except ValueError:
                pass  # no complete trial yet
        parent.log(study_metrics, step=trial.number)

    def _study_run(self, study: "optuna.Study") -> runpages.Run:
        if self.study_run is None:
            self.study_run = runpages.start(
                project=self._project,
                name=self._name or study.study_name,
                params={
                    "study": study.study_name,
                    "directions": [d.name.lower() for d in study.directions],
                    "sampler": type(study.sampler).__name__,
                },
                tags=self._tags,
            )
            self.study_run.runtime("optuna", optuna.__version__)
        return self.study_run
