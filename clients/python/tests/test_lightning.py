"""runpages.lightning.RunpagesLogger against real Lightning: a tiny model trained for two epochs."""

import warnings

from conftest import framework

lightning = framework("lightning")
import torch  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import runpages  # noqa: E402
from runpages.lightning import RunpagesLogger  # noqa: E402


class Regressor(lightning.LightningModule):
    def __init__(self, lr: float = 0.05, hidden: int = 4) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

    def training_step(self, batch, index):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train/loss", loss)
        return loss

    def validation_step(self, batch, index):
        x, y = batch
        self.log("val/loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def data() -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=generator)
    return DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)


def trainer(logger, root, **options):
    return lightning.Trainer(
        logger=logger, default_root_dir=str(root), max_epochs=2, log_every_n_steps=2, accelerator="cpu",
        enable_progress_bar=False, enable_model_summary=False, **options,
    )


def test_hyperparameters_metrics_and_checkpoints_land_on_origin(repo, origin, tmp_path):
    torch.manual_seed(0)
    logger = RunpagesLogger(project="lit", tags=["pl"])
    trainer(logger, tmp_path / "root").fit(Regressor(lr=0.05, hidden=4), data(), data())
    record = origin.run("lit")
    assert record["id"] == logger.version and record["status"] == "finished" and record["tags"] == ["pl"]
    assert record["params"] == {"lr": 0.05, "hidden": 4}
    assert record["env"]["runtimes"]["lightning"] == lightning.__version__
    assert record["env"]["runtimes"]["torch"] == torch.__version__
    series = origin.series(record)
    # 8 batches an epoch, logged every 2 steps: steps 1, 3, 5, ... (Lightning counts from 0).
    assert series["train/loss"]["step"] == [1, 3, 5, 7, 9, 11, 13, 15]
    assert series["val/loss"]["step"] == [7, 15]  # once per epoch
    assert series["epoch"]["value"][-1] == 1
    checkpoints = [a for a in record["artifacts"] if a["path"].startswith("checkpoints/")]
    assert [a["path"] for a in checkpoints] == ["checkpoints/epoch=1-step=16.ckpt"]
    assert checkpoints[0]["size"] > 1000


def test_an_exception_in_training_is_a_failed_run_and_reaches_the_caller(repo, origin, tmp_path):
    class Diverges(Regressor):
        def training_step(self, batch, index):
            if self.global_step == 3:
                raise FloatingPointError("diverged")
            return super().training_step(batch, index)

    logger = RunpagesLogger(project="lit-failing")
    try:
        trainer(logger, tmp_path / "root").fit(Diverges(), data())
    except FloatingPointError:
        pass
    else:
        raise AssertionError("the exception did not reach the caller")
    record = origin.run("lit-failing")
    assert record["status"] == "failed"
    assert record["series"]["train/loss"]["points"] == 1  # step 1 only; step 3 raised


def test_a_broken_run_warns_once_and_training_goes_on(repo, tmp_path):
    class Broken:
        id = "broken"
        def param(self, *args):
            raise RuntimeError("disk full")
        log = artifact = param
        runtime = lambda self, *args: None  # noqa: E731
        def finish(self, status="finished"):
            self.status = status

    broken = Broken()
    logger = RunpagesLogger(run=broken)  # type: ignore[arg-type]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer(logger, tmp_path / "root").fit(Regressor(), data())
    mine = [w for w in caught if issubclass(w.category, runpages.RunpagesWarning)]
    assert len(mine) == 1 and "disk full" in str(mine[0].message)
    assert broken.status == "finished"  # finished even though params, metrics and checkpoints all failed
