"""Fine-tune the joint model with the Hugging Face Trainer (the same code runs on a GPU)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from models.nlu.data import IGNORE
from models.nlu.encoders import encoder_dir
from models.nlu.modeling import JointModel


@dataclass
class TrainOptions:
    epochs: float = 4.0
    max_steps: int = -1  # > 0 overrides epochs (tests, quick runs)
    batch_size: int = 32
    learning_rate: float = 8e-5
    head_learning_rate: float | None = None  # the new heads' own rate (None: learning_rate), see `optimizer`
    warmup_steps: int = 50
    weight_decay: float = 0.01
    seed: int = 13
    threads: int = 2
    encoder: str = "minilm-l6"  # models/nlu/encoders.py
    work_dir: Path = Path("models/work/nlu")


def collate(batch: list[dict]) -> dict[str, torch.Tensor]:
    """Pad to the longest utterance of the batch (they are short: ~10 wordpieces)."""
    width = max(len(f["input_ids"]) for f in batch)

    def pad(key: str, value: int) -> torch.Tensor:
        return torch.tensor([f[key] + [value] * (width - len(f[key])) for f in batch], dtype=torch.long)

    return {
        "input_ids": pad("input_ids", 0),
        "attention_mask": pad("attention_mask", 0),
        "token_type_ids": pad("token_type_ids", 0),
        "tag_labels": pad("tag_labels", IGNORE),
        "intent_labels": torch.tensor([f["intent_labels"] for f in batch], dtype=torch.long),
    }


def optimizer(model: JointModel, learning_rate: float, weight_decay: float,
              head_learning_rate: float | None = None) -> torch.optim.AdamW:
    """AdamW with BERT's usual groups (no decay on biases and LayerNorm), the new heads (and CRF) at their own rate:
    MPNet's last hidden states are small (std ~0.12 against MiniLM's ~0.41), so at the encoder's rate its heads
    learned slowly (loss 5.4 after 0.9 epochs at 5e-5)."""
    groups: dict[tuple[bool, bool], list] = {}
    for name, param in model.named_parameters():
        head = not name.startswith("encoder.")
        groups.setdefault((head, name.endswith("bias") or "LayerNorm" in name), []).append(param)
    head_rate = head_learning_rate or learning_rate
    return torch.optim.AdamW([{"params": params, "lr": head_rate if head else learning_rate,
                               "weight_decay": 0.0 if no_decay else weight_decay}
                              for (head, no_decay), params in groups.items()])


def train(features: list[dict], n_intents: int, n_tags: int, options: TrainOptions) -> JointModel:
    from transformers import Trainer, TrainingArguments, set_seed

    set_seed(options.seed)
    if not torch.cuda.is_available():
        torch.set_num_threads(options.threads)
    model = JointModel(n_intents, n_tags, encoder_dir(options.encoder))
    args = TrainingArguments(
        output_dir=str(options.work_dir / "trainer"),
        num_train_epochs=options.epochs,
        max_steps=options.max_steps,
        per_device_train_batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        warmup_steps=options.warmup_steps,
        weight_decay=options.weight_decay,
        lr_scheduler_type="linear",
        seed=options.seed,
        data_seed=options.seed,
        logging_steps=50,
        save_strategy="no",
        eval_strategy="no",
        report_to="none",
        remove_unused_columns=False,
        label_names=["intent_labels", "tag_labels"],
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    Trainer(model=model, args=args, train_dataset=features, data_collator=collate,
            optimizers=(optimizer(model, options.learning_rate, options.weight_decay, options.head_learning_rate),
                        None)).train()
    model.eval()
    return model.cpu()
