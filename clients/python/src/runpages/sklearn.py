"""scikit-learn: `log_estimator(est, X, y, cv=5)` records an estimator's `get_params()` and, given
data, its cross-validation scores (one point per fold, so the site charts them) as a run; for a
classifier also the out-of-fold confusion matrix and, for two classes, the ROC curve with its AUC.

    from runpages.sklearn import log_estimator
    run = log_estimator(RandomForestClassifier(n_estimators=50), X, y, cv=5, project="tabular")
"""

from typing import Any, Iterable, Mapping, Optional

import sklearn
from sklearn.base import is_classifier
from sklearn.model_selection import cross_val_predict, cross_validate

import runpages

from ._guard import Guarded, plain

__all__ = ["log_estimator"]


class _Logger(Guarded):
    pass


def log_estimator(
    estimator: Any,
    X: Any = None,
    y: Any = None,
    cv: Any = 5,
    scoring: Any = None,
    project: Optional[str] = None,
    name: Optional[str] = None,
    tags: Optional[Iterable[str]] = None,
    params: Optional[Mapping[str, Any]] = None,
    run: Optional["runpages.Run"] = None,
    media: bool = True,
) -> Optional["runpages.Run"]:
    """Logs `estimator` to `run` (or to a new run it starts and finishes) and returns that run.

    Params: the estimator's class as `estimator` and `get_params(deep=True)` under `params` (nested
    estimators as text), plus `params` given here. With X and y and `cv` not None, runs
    `cross_validate(estimator, X, y, cv=cv, scoring=scoring)` and logs each fold as a point of
    `cv/<score>` (step = fold), `cv/<score>_mean` and `cv/<score>_std`, and fit and score times.
    A classifier's out-of-fold predictions (`cross_val_predict`) give the media `cv/confusion` and,
    with two classes and `predict_proba` or `decision_function`, `cv/roc` (its AUC as `cv/roc/auc`);
    `media=False` skips that second pass over the folds. Never raises: a failure is one RunpagesWarning (the run is then finished as failed).
    """
    logger = _Logger()
    owned = run is None
    try:
        if run is None:
            run = runpages.start(project=project, name=name, tags=tags)
        run.runtime("scikit-learn", sklearn.__version__)
        run.param("estimator", f"{type(estimator).__module__}.{type(estimator).__qualname__}")
        run.param("params", plain(estimator.get_params(deep=True)))
        for key, value in dict(params or {}).items():
            run.param(key, plain(value))
        if X is not None and y is not None and cv is not None:
            results = cross_validate(estimator, X, y, cv=cv, scoring=scoring)
            run.param("cv", plain(cv) if isinstance(cv, int) else str(cv))
            folds = {key: [float(value) for value in results[key]] for key in sorted(results)}
            count = len(next(iter(folds.values()), []))
            for fold in range(count):
                run.log({f"cv/{key}": scores[fold] for key, scores in folds.items()}, step=fold)
            summary = {}
            for key, scores in folds.items():
                mean = sum(scores) / len(scores)
                summary[f"cv/{key}_mean"] = mean
                summary[f"cv/{key}_std"] = (sum((score - mean) ** 2 for score in scores) / len(scores)) ** 0.5
            run.log(summary, step=max(count - 1, 0))
            if media and is_classifier(estimator):
                _log_predictions(run, estimator, X, y, cv)
        if owned:
            run.finish()
    except Exception as error:
        logger._fail("log_estimator", error)
        if owned and run is not None:
            run.finish("failed")
    return run


def _log_predictions(run: "runpages.Run", estimator: Any, X: Any, y: Any, cv: Any) -> None:
    """The out-of-fold confusion matrix, and the ROC curve of a two-class problem."""
    predicted = cross_val_predict(estimator, X, y, cv=cv)
    labels = sorted(set(plain(list(y))), key=str)
    run.log_confusion_matrix("cv/confusion", y_true=plain(list(y)), y_pred=plain(list(predicted)), labels=labels)
    if len(labels) != 2:
        return
    method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function" if hasattr(estimator, "decision_function") else None
    if method is None:
        return
    scores = cross_val_predict(estimator, X, y, cv=cv, method=method)
    positive = [float(row[1]) for row in scores] if method == "predict_proba" else [float(value) for value in scores]
    run.log_curve("cv/roc", kind="roc", y_true=[1 if value == labels[1] else 0 for value in plain(list(y))], y_score=positive)
