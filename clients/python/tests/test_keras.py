"""runpages.keras.RunpagesCallback against real Keras 3 (torch backend): epoch and batch logs."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
from conftest import framework  # noqa: E402

keras = framework("keras")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from runpages.keras import RunpagesCallback  # noqa: E402


def test_fit_params_optimizer_epoch_and_batch_logs_land_on_origin(repo, origin):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    callback = RunpagesCallback(project="keras", batch_every=2)
    model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0, callbacks=[callback])
    record = origin.run("keras")
    assert record["id"] == callback.run.id and record["status"] == "finished"
    assert record["params"]["epochs"] == 3 and record["params"]["steps"] == 3
    assert record["params"]["optimizer"]["learning_rate"] == pytest.approx(0.01)  # a float32 variable
    assert record["env"]["runtimes"]["keras"] == keras.__version__
    assert record["env"]["runtimes"]["torch"]
    series = origin.series(record)
    assert series["loss"]["step"] == [0, 1, 2] and series["val_loss"]["step"] == [0, 1, 2]
    assert "mae" in series
    # 3 batches an epoch, 9 in all, every second one logged.
    assert series["batch/loss"]["step"] == [2, 4, 6, 8]
