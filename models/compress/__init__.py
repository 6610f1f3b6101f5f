"""Compression study for the language model: pruning, distillation, vocabulary pruning, quantization."""
