"""Post-training compression of an fp32 ONNX model: dynamic int8, static QDQ int8, magnitude pruning.

Dynamic int8 (the v1 recipe, `models.nlu.export.quantize`) quantizes activations per call;
static int8 fixes activation scales from calibration utterances, so no scale is computed at run
time. Unstructured magnitude pruning only zeroes weights: the dense kernels still multiply the
zeros, so file size (without compression) and latency stay the same; it is measured to show
what accuracy it costs, not as a speed-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np


def dynamic_int8(fp32: Path, int8: Path) -> Path:
    from models.nlu.export import quantize

    return quantize(fp32, int8)


class _Calibration:
    """onnxruntime CalibrationDataReader over tokenized utterances, one per batch (as the app runs)."""

    def __init__(self, tokenizer_path: Path, texts: Sequence[str], inputs: set[str]):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.no_padding()  # one utterance per batch: no padding, as the app runs
        self._feeds = iter([
            {k: v for k, v in (("input_ids", np.array([e.ids], dtype=np.int64)),
                               ("attention_mask", np.array([e.attention_mask], dtype=np.int64)),
                               ("token_type_ids", np.array([e.type_ids], dtype=np.int64))) if k in inputs}
            for e in tokenizer.encode_batch(list(texts))])

    def get_next(self):
        return next(self._feeds, None)


def static_int8(fp32: Path, int8: Path, tokenizer_path: Path, calibration_texts: Sequence[str],
                per_channel: bool = True, op_types: Sequence[str] = ("MatMul", "Gather")) -> Path:
    """QDQ int8 weights and activations, activation ranges from the calibration texts (min-max).

    Give it the unfused export (model.raw.onnx): on the fused graph the quantizer cannot type the
    contrib ops' outputs and leaves attention and embeddings in float. Only MatMul and Gather
    (embeddings) are quantized: quantizing every op (LayerNorm, Softmax, Add) cost most of the
    intent accuracy in a trial on the teacher.
    """
    import onnx

    from app.onnx_session import runtime

    ort = runtime()  # telemetry off before onnxruntime first loads
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = int8.with_suffix(".pre.onnx")
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)  # symbolic inference fails on BERT
    inputs = {i.name for i in ort.InferenceSession(str(prepared), providers=["CPUExecutionProvider"]).get_inputs()}
    quantize_static(str(prepared), str(int8), _Calibration(tokenizer_path, calibration_texts, inputs),
                    quant_format=QuantFormat.QDQ, per_channel=per_channel, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                    op_types_to_quantize=list(op_types),
                    extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT, "ActivationSymmetric": True,
                                   "QuantizeBias": False})  # the heads read a Gather output with no scale
    prepared.unlink()
    return int8


@dataclass(frozen=True)
class Sparsity:
    target: float  # fraction of each weight matrix set to zero
    zeroed: int
    total: int  # weights in the pruned matrices


def magnitude_prune(fp32: Path, out: Path, sparsity: float, min_rows: int = 256) -> Sparsity:
    """Zero the smallest-|w| fraction of every 2-D MatMul weight (per matrix); embeddings are left alone."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(fp32))
    matmul_weights = {n.input[1] for n in model.graph.node if n.op_type in ("MatMul", "Attention")}
    zeroed = total = 0
    for init in model.graph.initializer:
        if init.name not in matmul_weights or len(init.dims) != 2 or init.dims[0] < min_rows:
            continue
        w = numpy_helper.to_array(init).copy()
        cut = np.quantile(np.abs(w), sparsity)
        mask = np.abs(w) < cut
        w[mask] = 0.0
        zeroed, total = zeroed + int(mask.sum()), total + w.size
        init.CopyFrom(numpy_helper.from_array(w, init.name))
    onnx.save(model, str(out))
    return Sparsity(sparsity, zeroed, total)
