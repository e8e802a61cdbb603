"""runpages.optuna.RunpagesCallback against a real study: a parent run and a child run per trial."""

from conftest import framework

optuna = framework("optuna")

from runpages.optuna import RunpagesCallback  # noqa: E402


def objective(trial):
    x = trial.suggest_float("x", -4, 4)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    for step in range(3):
        trial.report((x - 1) ** 2 + step, step)
        if trial.number == 2 and step == 1:
            raise optuna.TrialPruned()
    if trial.number == 3:
        raise ValueError("objective broke")
    return (x - 1) ** 2 + (0 if kind == "a" else 1)


def test_a_study_is_a_parent_run_and_each_trial_a_child_with_its_state(repo, origin):
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(study_name="quad", sampler=optuna.samplers.RandomSampler(seed=0))
    with RunpagesCallback(project="sweep", tags=["hpo"]) as callback:
        study.optimize(objective, n_trials=5, callbacks=[callback], catch=(ValueError,))
    records = {record["id"]: record for record in origin.records("sweep")}
    study_run = records[callback.study_run.id]
    assert study_run["name"] == "quad" and study_run["status"] == "finished" and study_run.get("parents", []) == []
    assert study_run["params"] == {"study": "quad", "directions": ["minimize"], "sampler": "RandomSampler"}
    assert study_run["metrics"]["best_value"] == study.best_value
    assert origin.series(study_run)["best_value"]["step"] == [0, 1, 2, 3, 4]

    assert len(records) == 6 and sorted(callback.trial_runs) == [0, 1, 2, 3, 4]
    for trial in study.trials:
        child = records[callback.trial_runs[trial.number]]
        assert child["parents"] == [study_run["id"]]
        assert child["name"] == f"quad-trial-{trial.number}"
        assert child["params"]["x"] == trial.params["x"] and child["params"]["trial"] == trial.number
        assert child["env"]["runtimes"]["optuna"] == optuna.__version__
        expected = {"COMPLETE": "finished", "PRUNED": "killed", "FAIL": "failed"}[trial.state.name]
        assert child["status"] == expected, trial.number
    assert [t.state.name for t in study.trials][2:4] == ["PRUNED", "FAIL"]
    complete = records[callback.trial_runs[0]]
    assert complete["metrics"]["value"] == study.trials[0].value
    assert origin.series(complete)["value"]["step"] == [0, 1, 2, 3]  # 3 reports, then the final value
    pruned = records[callback.trial_runs[2]]
    assert origin.series(pruned)["value"]["step"] == [0, 1]  # its value is its last report, not a new point
    assert pruned["metrics"]["value"] == study.trials[2].intermediate_values[1]
