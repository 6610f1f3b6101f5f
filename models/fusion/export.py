"""Fusion module -> ONNX (legacy exporter, like the NLU) -> dynamic int8 with the NLU's own quantizer settings."""

from __future__ import annotations

from pathlib import Path

import torch

from models.fusion.train import FusionNet
from models.nlu.export import quantize

INPUTS = ["states", "mask", "nlu_logits", "scene"]
OUTPUTS = ["intent_logits", "addressed_logit"]


def export(model: FusionNet, hidden: int, nlu_intents: int, work: Path) -> Path:
    """Write work/fusion.fp32.onnx and return work/fusion.int8.onnx."""
    work.mkdir(parents=True, exist_ok=True)
    fp32 = work / "fusion.fp32.onnx"
    args = (torch.zeros(1, 5, hidden), torch.ones(1, 5), torch.zeros(1, nlu_intents),
            torch.zeros(1, 5, dtype=torch.long))
    dynamic = {"states": {0: "batch", 1: "sequence"}, "mask": {0: "batch", 1: "sequence"},
               "nlu_logits": {0: "batch"}, "scene": {0: "batch"}, "intent_logits": {0: "batch"},
               "addressed_logit": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(model.eval(), args, str(fp32), input_names=INPUTS, output_names=OUTPUTS,
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
    return quantize(fp32, work / "fusion.int8.onnx")
