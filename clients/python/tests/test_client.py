"""The client inside a test process: runs published through the real CLI land on origin's branch,
with their env runtimes and parents; recording problems never raise."""

import math
import warnings

import pytest

import runpages


def test_a_run_lands_on_origin_with_params_series_runtimes_and_parents(repo, origin):
    with runpages.start(project="core", params={"lr": 0.1}, tags=["t"]) as parent:
        parent.log({"loss": 1.0}, step=0)
    with runpages.start(project="core", parents=[parent.id]) as child:
        child.runtime("torch", "2.13.0")
        for step in range(3):
            child.log({"loss": 1 / (step + 1), "val": {"acc": step / 3}}, step=step)
    records = {record["id"]: record for record in origin.records("core")}
    assert set(records) == {parent.id, child.id}
    assert records[parent.id]["params"] == {"lr": 0.1}
    assert records[parent.id].get("parents", []) == []
    assert records[child.id]["parents"] == [parent.id]
    assert records[child.id]["env"]["runtimes"]["torch"] == "2.13.0"
    assert records[child.id]["env"]["runtimes"]["python"].startswith("3.")
    series = origin.series(records[child.id])
    assert series["loss"]["step"] == [0, 1, 2]
    assert series["val/acc"]["value"] == [0, 1 / 3, 2 / 3]


def test_a_non_number_metric_is_a_warning_not_an_exception(repo, origin):
    with pytest.warns(runpages.RunpagesWarning, match="not a number"):
        with runpages.start(project="warned") as run:
            run.log({"loss": "high", "ok": math.inf}, step=0)
    assert origin.run("warned")["metrics"]["ok"] == math.inf


def test_a_cli_that_cannot_run_is_a_warning_and_the_run_stays_on_disk(repo, monkeypatch):
    monkeypatch.setenv("RUNPAGES_BIN", "/nonexistent/runpages")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with runpages.start(project="offline") as run:
            run.log({"loss": 1.0})
    assert any("cannot run /nonexistent/runpages commit" in str(w.message) for w in caught)
    assert (repo / ".runpages" / "runs" / run.id / "run.yaml").is_file()
