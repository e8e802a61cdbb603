"""runpages.xgboost.RunpagesCallback against real XGBoost: every boosting round's evals_log."""

from conftest import framework

xgb = framework("xgboost")
import numpy as np  # noqa: E402

from runpages.xgboost import RunpagesCallback  # noqa: E402


def test_each_rounds_evaluation_and_the_params_land_on_origin(repo, origin):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    train, valid = xgb.DMatrix(X[:60], label=y[:60]), xgb.DMatrix(X[60:], label=y[60:])
    params = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "eval_metric": ["logloss", "error"]}
    history = {}
    callback = RunpagesCallback(project="boost", params=params, tags=["xgb"])
    xgb.train(params, train, 5, evals=[(train, "train"), (valid, "valid")], evals_result=history, verbose_eval=False, callbacks=[callback])
    record = origin.run("boost")
    assert record["id"] == callback.run.id and record["status"] == "finished" and record["tags"] == ["xgb"]
    assert record["params"] == {**params, "eval_metric": ["logloss", "error"]}
    assert record["env"]["runtimes"]["xgboost"] == xgb.__version__
    series = origin.series(record)
    assert series["valid/logloss"]["step"] == [0, 1, 2, 3, 4]
    assert series["valid/logloss"]["value"] == history["valid"]["logloss"]
    assert series["train/error"]["value"] == history["train"]["error"]


def test_early_stopping_records_the_best_iteration(repo, origin):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = rng.integers(0, 2, size=60)  # noise: validation loss stops improving early
    train, valid = xgb.DMatrix(X[:40], label=y[:40]), xgb.DMatrix(X[40:], label=y[40:])
    callback = RunpagesCallback(project="early")
    booster = xgb.train({"objective": "binary:logistic"}, train, 200, evals=[(valid, "valid")], early_stopping_rounds=3, verbose_eval=False, callbacks=[callback])
    record = origin.run("early")
    assert record["params"]["best_iteration"] == booster.best_iteration
    assert booster.num_boosted_rounds() < 200  # it did stop early
    assert record["series"]["valid/logloss"]["points"] == booster.num_boosted_rounds()  # every round run, logged

