"""Joint intent + entity model for Hearth: data, training, ONNX export, evaluation, build."""
