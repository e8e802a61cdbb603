"""runpages.sklearn.log_estimator against real scikit-learn: params and per-fold CV scores."""

import json
import warnings

import pytest
from conftest import framework

sklearn = framework("sklearn")
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import runpages  # noqa: E402
from runpages.sklearn import log_estimator  # noqa: E402


def test_get_params_and_every_fold_score_land_on_origin(repo, origin):
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    estimator = LogisticRegression(C=0.5, max_iter=200)
    run = log_estimator(estimator, X, y, cv=4, project="tabular", tags=["sk"])
    record = origin.run("tabular")
    assert record["id"] == run.id and record["status"] == "finished" and record["tags"] == ["sk"]
    assert record["params"]["estimator"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert record["params"]["params"]["C"] == 0.5 and record["params"]["params"]["max_iter"] == 200
    assert record["params"]["cv"] == 4
    assert record["env"]["runtimes"]["scikit-learn"] == sklearn.__version__
    series = origin.series(record)
    assert series["cv/test_score"]["step"] == [0, 1, 2, 3]
    scores = series["cv/test_score"]["value"]
    assert all(0.5 < score <= 1 for score in scores)
    assert record["metrics"]["cv/test_score_mean"] == pytest.approx(sum(scores) / 4)
    assert "cv/fit_time" in series
    # The out-of-fold predictions as media: a confusion matrix of the 120 samples and the ROC curve.
    [folder] = [f for f in origin.folders("tabular") if f.endswith("/" + record["id"])]
    media = {m["key"]: m for m in json.loads(origin.show(f"{folder}/media.json"))["media"]}
    assert {key: m["kind"] for key, m in media.items()} == {"cv/confusion": "confusion_matrix", "cv/roc": "curve"}
    confusion = json.loads(origin.show(f"{folder}/{media['cv/confusion']['display']['file']}"))
    assert confusion["labels"] == ["0", "1"] and sum(map(sum, confusion["matrix"])) == 120
    assert 0.5 < record["metrics"]["cv/roc/auc"] <= 1


def test_nested_estimators_are_recorded_as_text_and_no_data_means_params_only(repo, origin):
    run = runpages.start(project="pipe")
    assert log_estimator(make_pipeline(StandardScaler(), LogisticRegression()), run=run) is run
    run.finish()
    record = origin.run("pipe")
    assert record["params"]["estimator"].endswith("Pipeline")
    assert "LogisticRegression" in record["params"]["params"]["logisticregression"]
    assert record["params"]["params"]["logisticregression__C"] == 1.0
    assert "cv/test_score" not in record.get("series", {})


def test_a_failing_cross_validation_is_one_warning_and_a_failed_run(repo, origin):
    X, y = make_classification(n_samples=20, n_features=4, n_informative=2, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log_estimator(LogisticRegression(), X, y[:5], cv=3, project="broken")  # y too short: sklearn raises
    mine = [w for w in caught if issubclass(w.category, runpages.RunpagesWarning)]
    assert len(mine) == 1 and "log_estimator failed" in str(mine[0].message)
    assert origin.run("broken")["status"] == "failed"
