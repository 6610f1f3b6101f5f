"""Token states from the shipped NLU, frozen: a copy of its int8 graph with the last hidden state as an output.

The student has no fp32 checkpoint in the repository, so the fusion model reads the very states
the shipped int8 graph computes; the copy changes no weight, it only names one more output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.fusion.learned import STATES_OUTPUT, StateEncoder, TextFeatures
from app.nlu.onnx_model import LABELS_FILE, MODEL_FILE, TOKENIZER_FILE, Labels
from app.nlu.onnx_model import SHIPPED_DIR as NLU_DIR

CLS_GATHER = "/model/Gather"  # the node that picks [CLS] for the intent head reads the last hidden state


def with_states(source: Path, target: Path) -> Path:
    """Write `source` with its last hidden state (the input of the [CLS] gather) as output `token_states`."""
    import onnx

    model = onnx.load(str(source))
    graph = model.graph
    gather = next((n for n in graph.node if n.name == CLS_GATHER), None)
    if gather is None:
        raise ValueError(f"{source}: no {CLS_GATHER} node; the NLU export changed, update models/fusion/features.py")
    graph.node.append(onnx.helper.make_node("Identity", [gather.input[0]], [STATES_OUTPUT], name="token_states_out"))
    graph.output.append(onnx.helper.make_tensor_value_info(STATES_OUTPUT, onnx.TensorProto.FLOAT,
                                                          ["batch", "sequence", "hidden"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(target))
    return target


def encoder(work: Path, threads: int = 0) -> StateEncoder:
    """The state encoder over a fresh copy of the shipped NLU graph in `work`."""
    path = with_states(NLU_DIR / MODEL_FILE, work / "encoder.int8.onnx")
    labels = Labels.load(NLU_DIR / LABELS_FILE)
    return StateEncoder(path, NLU_DIR / TOKENIZER_FILE, labels.max_length, threads)


def featurize(texts: list[str], enc: StateEncoder) -> dict[str, TextFeatures]:
    """Each distinct text once."""
    distinct = sorted(set(texts))
    return dict(zip(distinct, enc.features(distinct)))


def pad(features: list[TextFeatures]) -> tuple[np.ndarray, np.ndarray]:
    """Stack states into [batch, longest, hidden] with a 1/0 mask [batch, longest]."""
    longest = max(f.states.shape[0] for f in features)
    hidden = features[0].states.shape[1]
    states = np.zeros((len(features), longest, hidden), dtype=np.float32)
    mask = np.zeros((len(features), longest), dtype=np.float32)
    for i, f in enumerate(features):
        states[i, : len(f.states)] = f.states
        mask[i, : len(f.states)] = 1
    return states, mask
