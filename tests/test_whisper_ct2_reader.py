import struct

import numpy as np
import pytest

from app.model_files import whisper_model_dir
from models.whisper.convert import dimensions
from models.whisper.ct2_reader import read_model_bin


def _string(s: str) -> bytes:
    return struct.pack("<H", len(s) + 1) + s.encode() + b"\0"


def _model_bin(variables: dict[str, np.ndarray], aliases: dict[str, str]) -> bytes:
    """The layout of ctranslate2 ModelSpec._serialize, written independently of the reader."""
    out = struct.pack("<I", 6) + _string("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for name, value in variables.items():
        type_id = ("float32", "int8", "int16", "int32", "float16").index(value.dtype.name)
        out += _string(name) + struct.pack("<B", value.ndim) + b"".join(struct.pack("<I", d) for d in value.shape)
        out += struct.pack("<BI", type_id, value.nbytes) + value.tobytes()
    out += struct.pack("<I", len(aliases))
    return out + b"".join(_string(a) + _string(t) for a, t in aliases.items())


def test_reads_names_dtypes_shapes_and_aliases(tmp_path):
    weights = np.arange(6, dtype=np.float16).reshape(2, 3)
    path = tmp_path / "model.bin"
    path.write_bytes(_model_bin({"enc/w": weights, "enc/num_heads": np.array(6, np.int16)}, {"proj": "enc/w"}))
    model = read_model_bin(path)
    assert model.spec == "WhisperSpec" and model.revision == 3
    assert model["proj"].dtype == np.float16 and np.array_equal(model["proj"], weights)
    assert int(model["enc/num_heads"]) == 6 and model["enc/num_heads"].shape == ()


def test_truncated_file_is_an_error(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(_model_bin({"w": np.ones((4, 4), np.float32)}, {})[:-40])
    with pytest.raises((ValueError, struct.error)):
        read_model_bin(path)


def test_packaged_tiny_en_dimensions():
    model = read_model_bin(whisper_model_dir() / "model.bin")
    assert dimensions(model) == dict(n_mels=80, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6,
                                     n_audio_layer=4, n_vocab=51864, n_text_ctx=448, n_text_state=384,
                                     n_text_head=6, n_text_layer=4)
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
