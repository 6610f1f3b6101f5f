"""The "hey hearth" wake word toolchain: fetch the feature models, synthesize speech, train the
classifier, export it to ONNX and measure it (`hearth models build wakeword`, MODEL_CARD.md)."""
