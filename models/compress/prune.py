"""Structured pruning: drop whole attention heads and FFN neurons, ranked by importance, by slicing weights.

Importance (Michel et al. 2019): a gate of ones multiplies each head's context vector and each
FFN neuron's activation; |d loss / d gate|, summed over some training batches, estimates how much
the loss would change without that unit. The same number of units goes from every layer, so the
config stays uniform (ONNX Runtime's attention fusion needs one head count). Transformers 5 has no
`prune_heads`: the q/k/v rows, attention-output columns and FFN rows/columns are sliced here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from models.nlu.modeling import JointModel
from models.nlu.train import collate


@dataclass(frozen=True)
class Importance:
    heads: torch.Tensor  # [layers, heads]
    neurons: torch.Tensor  # [layers, intermediate]


def importance(model: JointModel, features: list[dict], batch_size: int = 32) -> Importance:
    """Accumulated |gradient| of the joint loss w.r.t. per-head and per-neuron gates."""
    layers = model.encoder.encoder.layer
    config = model.encoder.config
    head_gates = torch.ones(len(layers), config.num_attention_heads, requires_grad=True)
    neuron_gates = torch.ones(len(layers), config.intermediate_size, requires_grad=True)
    handles = []
    for i, layer in enumerate(layers):
        def gate_heads(module, args, i=i):
            context = args[0]
            shaped = context.view(*context.shape[:-1], head_gates.shape[1], -1) * head_gates[i][:, None]
            return (shaped.view_as(context), *args[1:])

        handles.append(layer.attention.output.dense.register_forward_pre_hook(gate_heads))
        handles.append(layer.intermediate.register_forward_hook(lambda m, a, out, i=i: out * neuron_gates[i]))
    heads = torch.zeros_like(head_gates)
    neurons = torch.zeros_like(neuron_gates)
    was_training = model.training
    model.eval()  # no dropout: importance of the model as it runs
    try:
        for start in range(0, len(features), batch_size):
            loss = model(**collate(features[start:start + batch_size]))["loss"]
            g_heads, g_neurons = torch.autograd.grad(loss, [head_gates, neuron_gates])
            heads += g_heads.abs()
            neurons += g_neurons.abs()
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return Importance(heads, neurons)


def _rows(linear: nn.Linear, keep: torch.Tensor) -> None:
    linear.weight = nn.Parameter(linear.weight.data[keep].clone())
    linear.bias = nn.Parameter(linear.bias.data[keep].clone())
    linear.out_features = len(keep)


def _columns(linear: nn.Linear, keep: torch.Tensor) -> None:
    linear.weight = nn.Parameter(linear.weight.data[:, keep].clone())
    linear.in_features = len(keep)


def prune(model: JointModel, scores: Importance, heads_per_layer: int, neurons_per_layer: int) -> JointModel:
    """Keep the `heads_per_layer` / `neurons_per_layer` most important units of every layer, in place."""
    config = model.encoder.config
    size = config.hidden_size // config.num_attention_heads
    for i, layer in enumerate(model.encoder.encoder.layer):
        kept_heads = scores.heads[i].topk(heads_per_layer).indices.sort().values
        dims = (kept_heads[:, None] * size + torch.arange(size)).flatten()
        attention = layer.attention.self
        for linear in (attention.query, attention.key, attention.value):
            _rows(linear, dims)
        _columns(layer.attention.output.dense, dims)
        attention.num_attention_heads = heads_per_layer
        attention.all_head_size = len(dims)
        kept_neurons = scores.neurons[i].topk(neurons_per_layer).indices.sort().values
        _rows(layer.intermediate.dense, kept_neurons)
        _columns(layer.output.dense, kept_neurons)
    config.num_attention_heads = heads_per_layer  # every layer has the same count
    config.intermediate_size = neurons_per_layer
    return model
