"""Keras 3: `RunpagesCallback` records a `model.fit()` as a run: the fit's params (epochs, steps),
the optimizer's config, per-epoch logs (`loss`, `val_loss`, ... at step = epoch) and per-batch
logs (as `batch/<name>` at step = batches seen so far, every `batch_every` batches).

    from runpages.keras import RunpagesCallback
    model.fit(x, y, epochs=20, validation_split=0.1, callbacks=[RunpagesCallback(project="imdb")])
"""

from typing import Any, Dict, Iterable, Optional

import keras

import runpages

from ._guard import Guarded, guarded, numeric, plain

__all__ = ["RunpagesCallback"]


class RunpagesCallback(keras.callbacks.Callback, Guarded):
    """project, name, tags: passed to `runpages.start` (ignored when `run` is given); batch_every:
    log every n-th batch's logs (0: no batch logs)."""

    def __init__(
        self,
        project: Optional[str] = None,
        name: Optional[str] = None,
        tags: Optional[Iterable[str]] = None,
        run: Optional[runpages.Run] = None,
        batch_every: int = 1,
    ) -> None:
        super().__init__()
        self._project = project
        self._name = name
        self._tags = list(tags or [])
        self._batch_every = batch_every
        self._batches = 0
        self.run: Optional[runpages.Run] = run

    @guarded
    def on_train_begin(self, logs: Optional[Dict[str, Any]] = None) -> None:
        if self.run is None:
            self.run = runpages.start(project=self._project, name=self._name, tags=self._tags)
        run = self.run
        run.runtime("keras", keras.__version__)
        run.runtime(keras.backend.backend(), _backend_version())  # the backend: torch, jax or tensorflow
        for key, value in (self.params or {}).items():
            run.param(str(key), plain(value))
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            run.param("optimizer", plain(optimizer.get_config()))

    @guarded
    def on_train_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        self._batches += 1
        if self.run is None or not self._batch_every or self._batches % self._batch_every:
            return
        self.run.log({f"batch/{key}": value for key, value in numeric(logs).items()}, step=self._batches)

    @guarded
    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        if self.run is not None:
            self.run.log(numeric(logs), step=epoch)

    @guarded
    def on_train_end(self, logs: Optional[Dict[str, Any]] = None) -> None:
        if self.run is not None:
            self.run.finish("finished")


def _backend_version() -> str:
    name = keras.backend.backend()
    try:
        module = __import__({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}.get(name, name))
        return str(module.__version__)
    except Exception:
        return "unknown"
