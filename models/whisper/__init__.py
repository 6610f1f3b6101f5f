"""Whisper toolchain: read CTranslate2 weights, convert, export, quantize and evaluate."""
