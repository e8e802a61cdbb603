"""Hugging Face Transformers: `RunpagesCallback`, a TrainerCallback that records the
TrainingArguments as params, the Trainer's logs (losses, learning rate, eval metrics) as series, and
the model's card (class, size, config) as the run's notes.

    from runpages.transformers import RunpagesCallback
    trainer = Trainer(model=model, args=args, train_dataset=train, callbacks=[RunpagesCallback(project="nlp")])

Log names follow the Trainer's: `loss` is `train/loss`, `eval_loss` is `eval/loss`, `eval_accuracy`
is `eval/accuracy` (as the Trainer's other tracker integrations name them). Only the main process
records.
"""

import json
from typing import Any, Dict, Iterable, Optional

import transformers
from transformers import TrainerCallback

import runpages

from ._guard import Guarded, guarded, numeric, plain

__all__ = ["RunpagesCallback"]

_PREFIXES = ("eval_", "test_")


def _metric_name(key: str) -> str:
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return f"{prefix[:-1]}/{key[len(prefix):]}"
    return f"train/{key}"


class RunpagesCallback(TrainerCallback, Guarded):
    """Records a `Trainer.train()` as a run: started at train begin, published at train end.

    project, name, tags: passed to `runpages.start` (ignored when `run` is given).
    """

    def __init__(
        self,
        project: Optional[str] = None,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        run: Optional[runpages.Run] = None,
    ) -> None:
        self._project = project
        self._name = name
        self._tags = list(tags or [])
        self.run: Optional[runpages.Run] = run

    @guarded
    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        if self.run is None:
            self.run = runpages.start(project=self._project, name=self._name, tags=self._tags)
        run = self.run
        run.runtime("transformers", transformers.__version__)
        try:
            import torch

            run.runtime("torch", torch.__version__)
        except ImportError:
            pass
        for key, value in args.to_dict().items():
            if key.startswith("_") or key in ("hub_token", "push_to_hub_token"):
                continue
            run.param(key, plain(value))
        if model is not None:
            run.note(_model_card(model))

    @guarded
    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        if self.run is None or not state.is_world_process_zero:
            return
        values = {_metric_name(key): value for key, value in numeric(logs).items()}
        self.run.log(values, step=state.global_step)

    @guarded
    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.run is None or not state.is_world_process_zero:
            return
        self.run.param("global_step", state.global_step)
        self.run.finish("finished")


def _model_card(model: Any) -> str:
    """Markdown: the model's class, parameter count and config (the parts of a Hub model card a run can know)."""
    lines = [f"## Model: {type(model).__name__}", ""]
    try:
        total = sum(p.numel() for p in model.parameters())
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        lines += [f"- Parameters: {total:,} ({trainable:,} trainable)"]
    except Exception:
        pass
    config = getattr(model, "config", None)
    if config is not None:
        kind = getattr(config, "model_type", "") or type(config).__name__
        lines += [f"- Config: {kind}", "", "```json", json.dumps(plain(config.to_dict()), indent=2, sort_keys=True), "```"]
    return "\n".join(lines) + "\n"
