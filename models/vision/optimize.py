"""Rewrites the vision models so ONNX Runtime's CPU kernels run them without leaving their fast layout.

ONNX Runtime runs convolutions in a blocked channel layout (NCHWc: 8 channels a block with AVX2, 16 with
AVX-512) and keeps a tensor in it only through operators that have blocked kernels; every other operator
costs a reorder out of the layout and one back in. Three things in these graphs break the chain:

- PReLU has no blocked kernel, and its broadcasting kernel is slow: it took 58 % of the face mesh's time
  and 43 % of the palm detector's. PReLU(x) = a*x + (1-a)*relu(x): two per-channel scales
  (BatchNormalization, which ONNX Runtime turns into a blocked depthwise 1x1 convolution), a Relu and an Add.
- BlazeFace's first stages have 24 channels, not a multiple of a 16-channel block, so its pooling and
  residual adds fell out of the layout. Those channels are padded with zeros to 32 (zero weights and zero
  bias keep the extra channels at zero), and its channel padding (a Concat with zeros) becomes a 1x1
  convolution that copies the channels, which the blocked layout fuses with the following Add.
- MediaPipe's residual shortcuts into a wider stage add zero channels with a Pad, which has no blocked kernel
  either: it becomes a 1x1 convolution that copies the channels.

`optimize` checks that the rewritten model gives the original's outputs on a random input.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
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


def _copy(channels_in: int, channels_out: int) -> np.ndarray:
    """1x1 convolution weights that copy `channels_in` channels and add zero ones up to `channels_out`."""
    weights = np.zeros((channels_out, channels_in, 1, 1), np.float32)
    weights[np.arange(channels_in), np.arange(channels_in)] = 1
    return weights


def channel_pads_as_copies(model):
    """Replace each Pad that only adds zero channels at the end (MediaPipe's residual shortcut into a wider
    stage) by a 1x1 convolution that copies the channels: a Pad leaves the blocked layout, a Conv does not."""
    from onnx import numpy_helper, shape_inference

    graph = model.graph
    constants = {t.name: t for t in graph.initializer}
    shapes = {v.name: v.type.tensor_type.shape.dim for v in shape_inference.infer_shapes(model).graph.value_info}
    for node in graph.node:
        if node.op_type != "Pad" or len(node.input) < 2 or node.input[1] not in constants:
            continue
        pads = numpy_helper.to_array(constants[node.input[1]]).tolist()
        mode = next((a.s for a in node.attribute if a.name == "mode"), b"constant")
        zero = len(node.input) < 3 or not node.input[2]
        if len(pads) != 8 or any(pads[:5]) or any(pads[6:]) or mode != b"constant" or not zero:
            continue
        channels = shapes[node.input[0]][1].dim_value
        x, name = node.input[0], f"{node.output[0]}/copy"
        graph.initializer.append(numpy_helper.from_array(_copy(channels, channels + pads[5]), name))
        node.op_type = "Conv"
        del node.input[:], node.attribute[:]
        node.input.extend([x, name])
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
            node.op_type = "Conv"
            del node.input[:], node.attribute[:]
            copy = np.pad(_copy(had, round_up(total)), ((0, 0), (0, has - had), (0, 0), (0, 0)))  # zero inputs
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


@dataclass(frozen=True)
class Comparison:
    """A rewritten model against its original: largest output difference, and median ms a call of each
    (one thread, the two alternated call by call so that a change in the machine's speed hits both)."""

    difference: float
    original_ms: float
    rewritten_ms: float


def compare(original: bytes, rewritten: bytes, calls: int = 30) -> Comparison:
    """Both models on one random input in [-1, 1]."""
    import onnxruntime as ort

    def session(model: bytes):
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    sessions = [session(original), session(rewritten)]
    spec = sessions[0].get_inputs()[0]
    image = np.random.default_rng(0).uniform(-1, 1, [d if isinstance(d, int) else 1 for d in spec.shape])
    feed = {spec.name: image.astype(np.float32)}
    outputs = [s.run(None, feed) for s in sessions]
    times: list[list[float]] = [[], []]
    for _ in range(calls):
        for s, spent in zip(sessions, times):
            start = time.perf_counter()
            s.run(None, feed)
            spent.append((time.perf_counter() - start) * 1e3)
    difference = max(float(np.abs(a - b).max()) for a, b in zip(*outputs))
    return Comparison(difference, statistics.median(times[0]), statistics.median(times[1]))


def optimize(path: Path, pad: bool = False) -> Comparison:
    """Rewrite the model at `path` in place and say how it compares with the original; leaves the original in
    place (raising ValueError) when an output differs by more than TOLERANCE."""
    import onnx

    original = path.read_bytes()
    model = channel_pads_as_copies(prelu_as_scales(onnx.load_from_string(original)))
    if pad:
        model = pad_channels(model)
    onnx.checker.check_model(model)
    rewritten = model.SerializeToString()
    result = compare(original, rewritten)
    if result.difference > TOLERANCE:
        raise ValueError(f"{path.name}: the rewritten model differs from the original by {result.difference:.2g}")
    path.write_bytes(rewritten)
    return result
