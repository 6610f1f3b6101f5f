"""models/vision/optimize.py: the rewritten graphs give the original outputs, in the layout they promise."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from models.vision import optimize

RNG = np.random.default_rng(3)


def _model(nodes, inputs, outputs, constants):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(v.astype(v.dtype), k) for k, v in constants.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _w(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def _op_types(model):
    return [n.op_type for n in model.graph.node]


def test_prelu_becomes_scales_with_the_same_outputs():
    slopes = RNG.uniform(0, 1, (1, 8, 1, 1)).astype(np.float32)
    model = _model([helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                    helper.make_node("PRelu", ["c", "a"], ["y"])],
                   [_tensor("x", [1, 3, 16, 16])], [_tensor("y", [1, 8, 16, 16])], {"w": _w(8, 3, 3, 3), "a": slopes})
    original = model.SerializeToString()
    rewritten = optimize.prelu_as_scales(model)
    assert "PRelu" not in _op_types(rewritten)
    assert _op_types(rewritten).count("BatchNormalization") == 2
    assert optimize.compare(original, rewritten.SerializeToString(), calls=1).difference < 1e-5


def _blazeface_like():
    """A 24-channel stage (conv, depthwise conv, residual add, relu, pooling), a channel padding by Concat with
    zeros to 48, and a detection head whose 6 output channels must stay 6."""
    nodes = [
        helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c0"], ["r0"]),
        helper.make_node("Conv", ["r0", "dw"], ["d1"], group=24, pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["d1", "w1", "b1"], ["c1"]),
        helper.make_node("Add", ["r0", "c1"], ["a1"]),
        helper.make_node("Relu", ["a1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("ConstantOfShape", ["zshape"], ["zeros"],
                         value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.0])),
        helper.make_node("Concat", ["p1", "zeros"], ["wide"], axis=1),
        helper.make_node("Conv", ["p1", "w2"], ["c2"]),
        helper.make_node("Add", ["wide", "c2"], ["a2"]),
        helper.make_node("Conv", ["a2", "wh", "bh"], ["head"]),
        helper.make_node("Transpose", ["head"], ["y"], perm=[0, 2, 3, 1]),
    ]
    constants = {"w0": _w(24, 3, 3, 3), "b0": _w(24), "dw": _w(24, 1, 3, 3), "w1": _w(24, 24, 1, 1), "b1": _w(24),
                 "zshape": np.array([1, 24, 8, 8], np.int64), "w2": _w(48, 24, 1, 1), "wh": _w(6, 48, 1, 1),
                 "bh": _w(6)}
    return _model(nodes, [_tensor("x", [1, 3, 16, 16])], [_tensor("y", [1, 8, 8, 6])], constants)


def test_channels_are_padded_to_whole_blocks_with_the_same_outputs():
    model = _blazeface_like()
    original = model.SerializeToString()
    padded = optimize.pad_channels(model)
    weights = {t.name: numpy_helper.to_array(t) for t in padded.graph.initializer}
    convs = [n for n in padded.graph.node if n.op_type == "Conv"]
    out_channels = [weights[n.input[1]].shape[0] for n in convs]
    assert out_channels == [32, 32, 32, 48, 48, 6]  # the Concat became the 48-channel copy; the head stays 6
    assert "ConstantOfShape" not in _op_types(padded) and "Concat" not in _op_types(padded)
    assert optimize.compare(original, padded.SerializeToString(), calls=1).difference < 1e-4


def test_padding_refuses_an_operator_it_cannot_carry_zero_channels_through():
    model = _blazeface_like()
    sigmoid = [n for n in model.graph.node if n.op_type == "Relu"][1]
    sigmoid.op_type = "Sigmoid"  # sigmoid(0) = 0.5: padded channels would no longer be zero
    with pytest.raises(ValueError, match="Sigmoid cannot take padded channels"):
        optimize.pad_channels(model)
    model = _blazeface_like()
    next(n for n in model.graph.node if n.op_type == "Relu").op_type = "Sigmoid"  # the stage's input stays 24
    with pytest.raises(ValueError, match="different channel counts"):
        optimize.pad_channels(model)


def test_optimize_rewrites_in_place_and_keeps_a_model_that_drifts(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    onnx.save(_blazeface_like(), path)
    before = path.read_bytes()
    assert optimize.optimize(path, pad=True).difference < optimize.TOLERANCE
    assert path.read_bytes() != before
    onnx.save(_blazeface_like(), path)
    before = path.read_bytes()
    monkeypatch.setattr(optimize, "TOLERANCE", -1.0)  # every rewrite now drifts too far
    with pytest.raises(ValueError, match="differs from the original"):
        optimize.optimize(path, pad=True)
    assert path.read_bytes() == before


def test_a_channel_pad_becomes_a_copy_with_the_same_outputs():
    pads = np.array([0, 0, 0, 0, 0, 16, 0, 0], np.int64)
    model = _model([helper.make_node("Conv", ["x", "w"], ["c"]),
                    helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
                    helper.make_node("Pad", ["p", "pads"], ["y"], mode="constant")],
                   [_tensor("x", [1, 3, 8, 8])], [_tensor("y", [1, 32, 4, 4])], {"w": _w(16, 3, 1, 1), "pads": pads})
    original = model.SerializeToString()
    rewritten = optimize.channel_pads_as_copies(model)
    assert _op_types(rewritten) == ["Conv", "MaxPool", "Conv"]
    assert optimize.compare(original, rewritten.SerializeToString(), calls=1).difference == 0.0
