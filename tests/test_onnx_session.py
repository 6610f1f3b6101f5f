"""The one place sessions are opened: every session draws on the one shared CPU arena, and a missing or damaged
model file is a ModelError with a fix."""

from __future__ import annotations

import pytest

from app.errors import ModelError
from app.onnx_session import open_session
from app.vad import silero_model_path


def test_every_session_shares_the_one_arena():
    a, b = open_session(silero_model_path(), threads=1), open_session(silero_model_path(), threads=1)
    for session in (a, b):
        assert session.get_session_options().get_session_config_entry("session.use_env_allocators") == "1"


def test_a_missing_or_damaged_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        open_session(tmp_path / "nothing.onnx")
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="damaged") as error:
        open_session(damaged)
    assert error.value.fix
