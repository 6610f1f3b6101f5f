"""Trained model -> ONNX fp32 (legacy exporter) -> fused by ONNX Runtime's BERT optimizer -> int8.

Project notes: the optimizer fuses attention only in a legacy (dynamo=False) export of an
eager-attention model, and dynamic quantization of the fused graph needs
DefaultTensorType=FLOAT (some fused outputs have no inferred type).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

from app.onnx_session import runtime
from models.nlu.modeling import ExportWrapper, JointModel

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUTS = ["intent_logits", "tag_logits"]


@dataclass
class Exported:
    fp32: Path  # optimized (fused) fp32 graph
    int8: Path
    fused_ops: dict[str, int]  # fused node counts in the fp32 graph, for the log/card


def export_onnx(model: JointModel, path: Path) -> Path:
    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    args = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    dynamic = {name: {0: "batch", 1: "sequence"} for name in INPUTS + ["tag_logits"]}
    dynamic["intent_logits"] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(ExportWrapper(model.eval()), args, str(path), input_names=INPUTS, output_names=OUTPUTS,
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
    return path


def optimize(raw: Path, path: Path, num_heads: int, hidden_size: int) -> dict[str, int]:
    runtime()  # onnxruntime loads with its telemetry off (app/onnx_session.py), before its submodules
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=num_heads, hidden_size=hidden_size)
    fused.save_model_to_file(str(path))
    ops = Counter(node.op_type for node in fused.model.graph.node)
    return {k: ops[k] for k in ("Attention", "MultiHeadAttention", "EmbedLayerNormalization",
                                 "SkipLayerNormalization", "BiasGelu", "FastGelu", "Gelu") if ops[k]}


def quantize(fp32: Path, int8: Path) -> Path:
    import onnx

    runtime()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # per-channel weight scales: on the dev split they kept int8 intent accuracy at fp32's level
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return int8


def export(model: JointModel, work_dir: Path) -> Exported:
    work_dir.mkdir(parents=True, exist_ok=True)
    config = model.encoder.config
    raw = export_onnx(model, work_dir / "model.raw.onnx")
    fp32 = work_dir / "model.fp32.onnx"
    fused_ops = optimize(raw, fp32, config.num_attention_heads, config.hidden_size)
    return Exported(fp32, quantize(fp32, work_dir / "model.int8.onnx"), fused_ops)
