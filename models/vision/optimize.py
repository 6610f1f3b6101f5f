"""Rewrites the vision models so ONNX Runtime's CPU kernels run them without leaving their fast layout.

ONNX Runtime runs convolutions in a blocked channel layout (NCHWc: 8 channels a block with AVX2, 16 with
AVX-512) and keeps a tensor in it only through operators that have blocked kernels; every other operator
costs a reorder out of the layout and one back in. Two things in these graphs break the chain:

- PReLU has no blocked kernel, and its broadcasting kernel is slow: it took 58 % of the face mesh's time
  and 43 % of the palm detector's. PReLU(x) = a*x + (1-a)*relu(x): two per-channel scales
  (BatchNormalization, which ONNX Runtime turns into a blocked depthwise 1x1 convolution), a Relu and an Add.
- BlazeFace's first stages have 24 channels, not a multiple of a 16-channel block, so its pooling and
  residual adds fell out of the layout. Those channels are padded with zeros to 32 (zero weights and zero
  bias keep the extra channels at zero), and its channel padding (a Concat with zeros) becomes a 1x1
  convolution that copies the channels, which the blocked layout fuses with the following Add.

`optimize` checks that the rewritten model gives the original's outputs on a random input.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

TOLERANCE = 1e-3  # largest absolute output difference, rewritten vs original (outputs are pixels or logits)
BLOCK = 16  # the widest NCHWc block (AVX-512); a multiple of it is also one of AVX2's 8
# operators that keep a tensor's channel count and that the padding pass carries zero channels through
CHANNEL_PRESERVING = {"Relu", "MaxPool", "Add"}


def prelu_as_scales(model):
    """Replace every PReLU whose slope is a constant per channel by a*x + (1-a)*relu(x)."""
    from onnx import helper, numpy_helper

    graph = model.graph
    constants = {t.name: t for t in graph.initializer}
    nodes = []
    for node in graph.node:
        if node.op_type != "PRelu" or node.input[1] not in constants:
            nodes.append(node)
            continue
        slope = numpy_helper.to_array(constants[node.input[1]]).reshape(-1).astype(np.float32)
        x, y, prefix = node.input[0], node.output[0], f"{node.output[0]}/prelu_"

        def scale(source: str, factor: np.ndarray, out: str):
            # BatchNormalization(x) = factor * (x - 0) / sqrt(var + eps) + 0 with var + eps = 1
            eps = 1e-5
            names = [f"{out}_{part}" for part in ("scale", "bias", "mean", "var")]
            values = [factor, np.zeros_like(factor), np.zeros_like(factor), np.full_like(factor, 1 - eps)]
            graph.initializer.extend(numpy_helper.from_array(v, n) for n, v in zip(names, values))
            return helper.make_node("BatchNormalization", [source, *names], [out], epsilon=eps)

        nodes += [helper.make_node("Relu", [x], [prefix + "relu"]),
                  scale(x, slope, prefix + "negative"),
                  scale(prefix + "relu", 1 - slope, prefix + "positive"),
                  helper.make_node("Add", [prefix + "negative", prefix + "positive"], [y])]
    del graph.node[:]
    graph.node.extend(nodes)
    _drop_unused_constants(graph)
    return model


def pad_channels(model, block: int = BLOCK):
    """Pad every activation's channels to a multiple of `block` with zero channels.

    Handles the operators BlazeFace is made of (Conv, depthwise Conv, Relu, MaxPool, Add, and a Concat
    with zeros for channel padding); a convolution whose output leaves that set (a detection head) keeps
    its channel count, so the model's outputs do not change. Raises ValueError on anything else that
    would receive padded channels."""
    from onnx import numpy_helper, shape_inference

    model = shape_inference.infer_shapes(model)
    graph = model.graph
    constants = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    outputs = {o.name for o in graph.output}
    shapes = {v.name: v.type.tensor_type.shape.dim for v in [*graph.value_info, *graph.input]}
    channels: dict[str, tuple[int, int]] = {}  # activation -> (channels it had, channels it has now)

    def round_up(count: int) -> int:
        return math.ceil(count / block) * block

    def constant(name: str, value: np.ndarray) -> str:
        graph.initializer.append(numpy_helper.from_array(value, name))
        return name

    for node in graph.node:
        out = node.output[0]
        if node.op_type == "Conv":
            weight = numpy_helper.to_array(constants[node.input[1]])
            c_out, c_in_group = weight.shape[:2]
            group = next((a.i for a in node.attribute if a.name == "group"), 1)
            c_in = channels.get(node.input[0], (None, c_in_group * group))[1]
            if group > 1:
                if not (group == c_out and c_in_group == 1):
                    raise ValueError(f"{node.name}: grouped convolution that is not depthwise")
                wide = c_in
                padded = np.zeros((wide, *weight.shape[1:]), weight.dtype)
                padded[:c_out] = weight
                next(a for a in node.attribute if a.name == "group").i = wide
            else:
                head = out in outputs or any(c.op_type not in CHANNEL_PRESERVING | {"Conv", "Concat"}
                                             for c in consumers.get(out, []))
                wide = c_out if head else round_up(c_out)
                padded = np.zeros((wide, c_in, *weight.shape[2:]), weight.dtype)
                padded[:c_out, :c_in_group] = weight
            node.input[1] = constant(f"{out}/weight", padded)
            if len(node.input) > 2 and node.input[2]:
                bias = numpy_helper.to_array(constants[node.input[2]])
                node.input[2] = constant(f"{out}/bias", np.pad(bias, (0, wide - c_out)))
            channels[out] = (c_out, wide)
        elif node.op_type in CHANNEL_PRESERVING:
            counts = {channels.get(name) or (shapes[name][1].dim_value,) * 2
                      for name in node.input if name not in constants}
            if len(counts) != 1:
                raise ValueError(f"{node.name}: inputs with different channel counts {counts}")
            channels[out] = counts.pop()
        elif node.op_type == "Concat" and any(name in channels for name in node.input):
            (x,) = [name for name in node.input if name in channels]
            (zeros,) = [producer.get(name) for name in node.input if name not in channels]
            if zeros is None or zeros.op_type != "ConstantOfShape":
                raise ValueError(f"{node.name}: a Concat that is not channel padding")
            had, has = channels[x]
            total = had + int(numpy_helper.to_array(constants[zeros.input[0]])[1])
            copy = np.zeros((round_up(total), has, 1, 1), np.float32)
            copy[np.arange(had), np.arange(had)] = 1
            node.op_type = "Conv"
            del node.input[:], node.attribute[:]
            node.input.extend([x, constant(f"{out}/copy", copy)])
            channels[out] = (total, round_up(total))
        elif any(channels.get(name, (0, 0))[0] != channels.get(name, (0, 0))[1] for name in node.input):
            raise ValueError(f"{node.name}: {node.op_type} cannot take padded channels")
    stale = [v for v in graph.value_info if v.name in channels]
    for value in stale:
        graph.value_info.remove(value)
    _drop_unused_constants(graph)
    return model


def _drop_unused_constants(graph) -> None:
    used = {name for node in graph.node for name in node.input}
    for node in [n for n in graph.node if n.op_type == "ConstantOfShape" and n.output[0] not in used]:
        graph.node.remove(node)
    used = {name for node in graph.node for name in node.input}
    for tensor in [t for t in graph.initializer if t.name not in used]:
        graph.initializer.remove(tensor)


def max_difference(original: Path | bytes, rewritten: Path | bytes) -> float:
    """Largest |rewritten - original| over all outputs for one random input in [-1, 1]."""
    import onnxruntime as ort

    def run(model):
        session = ort.InferenceSession(str(model) if isinstance(model, Path) else model,
                                       providers=["CPUExecutionProvider"])
        spec = session.get_inputs()[0]
        shape = [d if isinstance(d, int) else 1 for d in spec.shape]
        image = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
        return session.run(None, {spec.name: image})

    return max(float(np.abs(a - b).max()) for a, b in zip(run(original), run(rewritten)))


def optimize(path: Path, pad: bool = False) -> float:
    """Rewrite the model at `path` in place; returns its largest output difference from the original,
    and leaves the original in place (raising ValueError) when that exceeds TOLERANCE."""
    import onnx

    original = path.read_bytes()
    model = prelu_as_scales(onnx.load_from_string(original))
    if pad:
        model = pad_channels(model)
    onnx.checker.check_model(model)
    rewritten = model.SerializeToString()
    diff = max_difference(original, rewritten)
    if diff > TOLERANCE:
        raise ValueError(f"{path.name}: the rewritten model differs from the original by {diff:.2g}")
    path.write_bytes(rewritten)
    return diff
