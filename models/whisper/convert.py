"""CTranslate2 Whisper (model.bin) -> openai-whisper `Whisper` module, without any hub download.

CTranslate2 fuses attention projections: self-attention `linear_0` is [q; k; v] (k has no bias in
Whisper, so its bias slice is zero), cross-attention `linear_0` is q and `linear_1` is [k; v];
the last linear is the output projection. The decoder's output projection is tied to the token
embedding (an alias in model.bin).

    python -m models.whisper.convert [CT2_DIR] models/work/whisper/tiny.en.pt
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from models.whisper.ct2_reader import Ct2Model, read_model_bin


def dimensions(ct2: Ct2Model) -> dict:
    """openai-whisper ModelDimensions derived from the stored shapes and head counts."""
    layers = lambda side: len({m[1] for k in ct2.variables if (m := re.match(rf"{side}/layer_(\d+)/", k))})
    n_audio_ctx, n_audio_state = ct2["encoder/position_encodings/encodings"].shape
    n_text_ctx, n_text_state = ct2["decoder/position_encodings/encodings"].shape
    return dict(
        n_mels=ct2["encoder/conv1/weight"].shape[1],
        n_audio_ctx=n_audio_ctx, n_audio_state=n_audio_state,
        n_audio_head=int(ct2["encoder/num_heads"]), n_audio_layer=layers("encoder"),
        n_vocab=ct2["decoder/embeddings/weight"].shape[0],
        n_text_ctx=n_text_ctx, n_text_state=n_text_state,
        n_text_head=int(ct2["decoder/num_heads"]), n_text_layer=layers("decoder"),
    )


def _attention(out: dict, dst: str, ct2: Ct2Model, src: str, fused_qkv: bool) -> None:
    def split(name: str, parts: int) -> list[np.ndarray]:
        return np.split(ct2[f"{src}/{name}"], parts, axis=0)

    if fused_qkv:
        (wq, wk, wv), (bq, _, bv) = split("linear_0/weight", 3), split("linear_0/bias", 3)
        wo, bo = ct2[f"{src}/linear_1/weight"], ct2[f"{src}/linear_1/bias"]
    else:
        wq, bq = ct2[f"{src}/linear_0/weight"], ct2[f"{src}/linear_0/bias"]
        (wk, wv), (_, bv) = split("linear_1/weight", 2), split("linear_1/bias", 2)
        wo, bo = ct2[f"{src}/linear_2/weight"], ct2[f"{src}/linear_2/bias"]
    out.update({f"{dst}.query.weight": wq, f"{dst}.query.bias": bq, f"{dst}.key.weight": wk,
                f"{dst}.value.weight": wv, f"{dst}.value.bias": bv,
                f"{dst}.out.weight": wo, f"{dst}.out.bias": bo})
    out[f"{dst}_ln.weight"] = ct2[f"{src}/layer_norm/gamma"]
    out[f"{dst}_ln.bias"] = ct2[f"{src}/layer_norm/beta"]


def _mlp(out: dict, dst: str, ct2: Ct2Model, src: str) -> None:
    for i, j in ((0, 0), (2, 1)):
        out[f"{dst}.mlp.{i}.weight"] = ct2[f"{src}/ffn/linear_{j}/weight"]
        out[f"{dst}.mlp.{i}.bias"] = ct2[f"{src}/ffn/linear_{j}/bias"]
    out[f"{dst}.mlp_ln.weight"] = ct2[f"{src}/ffn/layer_norm/gamma"]
    out[f"{dst}.mlp_ln.bias"] = ct2[f"{src}/ffn/layer_norm/beta"]


def state_dict(ct2: Ct2Model, dims: dict) -> dict[str, np.ndarray]:
    """openai-whisper parameter name -> float32 array."""
    out: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        out[f"encoder.{conv}.weight"] = ct2[f"encoder/{conv}/weight"]
        out[f"encoder.{conv}.bias"] = ct2[f"encoder/{conv}/bias"]
    out["encoder.positional_embedding"] = ct2["encoder/position_encodings/encodings"]
    for i in range(dims["n_audio_layer"]):
        _attention(out, f"encoder.blocks.{i}.attn", ct2, f"encoder/layer_{i}/self_attention", True)
        _mlp(out, f"encoder.blocks.{i}", ct2, f"encoder/layer_{i}")
    out["encoder.ln_post.weight"] = ct2["encoder/layer_norm/gamma"]
    out["encoder.ln_post.bias"] = ct2["encoder/layer_norm/beta"]
    out["decoder.token_embedding.weight"] = ct2["decoder/embeddings/weight"]
    out["decoder.positional_embedding"] = ct2["decoder/position_encodings/encodings"]
    for i in range(dims["n_text_layer"]):
        _attention(out, f"decoder.blocks.{i}.attn", ct2, f"decoder/layer_{i}/self_attention", True)
        _attention(out, f"decoder.blocks.{i}.cross_attn", ct2, f"decoder/layer_{i}/attention", False)
        _mlp(out, f"decoder.blocks.{i}", ct2, f"decoder/layer_{i}")
    out["decoder.ln.weight"] = ct2["decoder/layer_norm/gamma"]
    out["decoder.ln.bias"] = ct2["decoder/layer_norm/beta"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def load_whisper(ct2_dir: Path):
    """An fp32 openai-whisper model (eval mode) with the CTranslate2 model's weights."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    ct2 = read_model_bin(Path(ct2_dir) / "model.bin")
    dims = dimensions(ct2)
    model = Whisper(ModelDimensions(**dims))
    weights = {k: torch.from_numpy(v) for k, v in state_dict(ct2, dims).items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [k for k in missing if k != "decoder.mask" and not k.endswith("alignment_heads")]
    if missing or unexpected:
        raise ValueError(f"weights do not fit openai-whisper: missing {missing}, unexpected {unexpected}")
    return model.float().eval()


def main() -> None:
    import torch

    from app.model_files import whisper_model_dir

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ct2_dir", nargs="?", type=Path, default=None)
    parser.add_argument("out", nargs="?", type=Path, default=Path("models/work/whisper/tiny.en.pt"))
    args = parser.parse_args()
    model = load_whisper(args.ct2_dir or whisper_model_dir())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": model.dims.__dict__, "model_state_dict": model.state_dict()}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), dims {model.dims}")


if __name__ == "__main__":
    main()
