"""PyTorch dynamic int8 for openai-whisper.

`quantize_dynamic(model, {nn.Linear})` quantizes nothing here: openai-whisper's layers are
`whisper.model.Linear`, a subclass, and the quantizer matches exact types. So each one is swapped
for a plain `nn.Linear` sharing its weights first, and the result is counted, not assumed.
The logits projection (a matmul with the token embedding) and the convolutions stay fp32.
"""

from __future__ import annotations

import torch
from torch import nn


def plain_linears(model: nn.Module) -> int:
    """Replace every Linear subclass by an nn.Linear with the same parameters; return how many."""
    swapped = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear) and type(child) is not nn.Linear:
                plain = nn.Linear(child.in_features, child.out_features, bias=child.bias is not None)
                plain.weight, plain.bias = child.weight, child.bias
                setattr(parent, name, plain)
                swapped += 1
    return swapped


def quantize_int8(model: nn.Module) -> tuple[nn.Module, int]:
    """Dynamic int8 (per-tensor weights, activations quantized on the fly); returns (model, #quantized)."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import quantize_dynamic

    plain_linears(model)
    quantized = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    count = sum(isinstance(m, DynamicLinear) for m in quantized.modules())
    if count == 0:
        raise RuntimeError("dynamic quantization changed no layer")
    return quantized, count
