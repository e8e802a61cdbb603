"""runpages.transformers.RunpagesCallback against a real Trainer and a tiny BERT built from config."""

from conftest import framework

transformers = framework("transformers")
import torch  # noqa: E402
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments  # noqa: E402

from runpages.transformers import RunpagesCallback  # noqa: E402


class Tokens(torch.utils.data.Dataset):
    def __init__(self, count: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, 50, (count, 8), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int):
        ids = self.ids[index]
        return {"input_ids": ids, "labels": int(ids[0] > 25)}


def test_arguments_losses_eval_metrics_and_the_model_card_land_on_origin(repo, origin, tmp_path):
    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_position_embeddings=16)
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"), num_train_epochs=2, per_device_train_batch_size=8, per_device_eval_batch_size=8,
        learning_rate=1e-3, logging_steps=2, eval_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True, seed=0,
    )
    callback = RunpagesCallback(project="hf", tags=["bert"])
    trainer = Trainer(model=BertForSequenceClassification(config), args=args, train_dataset=Tokens(32), eval_dataset=Tokens(16), callbacks=[callback])
    trainer.train()
    record = origin.run("hf")
    assert record["id"] == callback.run.id and record["status"] == "finished" and record["tags"] == ["bert"]
    params = record["params"]
    assert params["learning_rate"] == 1e-3 and params["num_train_epochs"] == 2 and params["logging_steps"] == 2
    assert params["global_step"] == 8
    assert record["env"]["runtimes"]["transformers"] == transformers.__version__
    series = origin.series(record)
    assert series["train/loss"]["step"] == [2, 4, 6, 8]
    assert series["train/learning_rate"]["value"][0] > series["train/learning_rate"]["value"][-1]
    assert series["eval/loss"]["step"] == [4, 8]  # once per epoch
    assert "train/train_runtime" in series
    assert "## Model: BertForSequenceClassification" in record["notes"]
    assert '"hidden_size": 16' in record["notes"] and '"model_type": "bert"' in record["notes"]
