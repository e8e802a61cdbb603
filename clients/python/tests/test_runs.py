"""runpages.runs(): the query language through `runpages ls --json`, series read back, to_pandas()."""

import math

import pytest

import runpages


@pytest.fixture()
def three_runs(repo):
    made = {}
    for lr, acc in ((0.1, 0.8), (0.01, 0.93), (0.001, 0.95)):
        with runpages.start(project="vision" if lr < 0.1 else "other", params={"lr": lr, "opt": {"name": "sgd"}}, tags=["q"]) as run:
            for step in range(5):
                run.log({"val/acc": acc * (step + 1) / 5, "loss": 1 / (step + 1)}, step=step)
        made[lr] = run.id
    return made


def test_a_query_selects_runs_by_metric_and_param_newest_first(three_runs):
    found = runpages.runs("metrics.`val/acc` > 0.9")
    assert [run.id for run in found] == [three_runs[0.001], three_runs[0.01]]
    assert found[0].params == {"lr": 0.001, "opt": {"name": "sgd"}} and found[0]["status"] == "finished"
    assert [run.id for run in runpages.runs("params.lr = 0.1")] == [three_runs[0.1]]
    assert [run.id for run in runpages.runs("", project="other")] == [three_runs[0.1]]
    assert len(runpages.runs()) == 3


def test_series_returns_the_points_of_a_run(three_runs):
    [run] = runpages.runs("params.lr = 0.01")
    points = run.series("val/acc")
    assert [p.step for p in points] == [0, 1, 2, 3, 4]
    assert [p.value for p in points] == pytest.approx([0.93 * (s + 1) / 5 for s in range(5)])
    assert all(p.time is not None for p in points)
    with pytest.raises(KeyError, match="no series 'nope'.*loss, val/acc"):
        run.series("nope")


def test_a_downsampled_series_is_read_at_full_resolution_from_the_object_store(repo):
    with runpages.start(project="long") as run:
        for step in range(2500):
            run.log({"loss": 1 / (step + 1)}, step=step)
    [found] = runpages.runs(project="long")
    full = found.series("loss")
    assert len(full) == 2500 and full[-1].value == pytest.approx(1 / 2500)
    stored = found.series("loss", full=False)
    assert 0 < len(stored) <= 1000 and stored[0].step == 0


def test_a_bad_query_raises_with_the_cli_message(three_runs):
    with pytest.raises(runpages.RunpagesError, match="runpages ls failed"):
        runpages.runs("metrics.acc >")


def test_to_pandas_has_one_row_per_run_with_flattened_params_and_metrics(three_runs):
    pandas = pytest.importorskip("pandas")
    frame = runpages.runs().to_pandas()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 3
    row = frame[frame["id"] == three_runs[0.01]].iloc[0]
    assert row["params.lr"] == 0.01 and row["params.opt.name"] == "sgd"
    assert math.isclose(row["metrics.val/acc"], 0.93)
