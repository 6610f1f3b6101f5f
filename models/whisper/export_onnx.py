"""Export Whisper to two ONNX graphs whose audio window can be any length, then int8-quantize them.

encoder.onnx   mel [1, n_mels, 2T]  -> cross_kv [L, 2, 1, T, D]
               (the positional embedding is sliced to T, so T <= 1500 frames of 20 ms; the decoder's
               cross-attention keys/values are computed here once instead of at every token)
decoder.onnx   tokens [1, n], cross_kv, self_kv [L, 2, 1, P, D] -> logits [1, V] (last position),
               self_kv [L, 2, 1, P+n, D]   (P tokens already decoded: the KV cache)

    python -m models.whisper.export_onnx [--ct2-dir DIR] [--out models/work/whisper/onnx]

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
from models.whisper.corpus import WORK


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, mask: torch.Tensor | None = None):
    """Multi-head attention on [1, n, D] tensors (batch 1), optional additive mask [n, m]."""
    n, d = q.shape[1], q.shape[2]
    split = lambda t: t.view(1, t.shape[1], heads, d // heads).transpose(1, 2)
    scores = split(q) @ split(k).transpose(-1, -2) * (d // heads) ** -0.5
    if mask is not None:
        scores = scores + mask
    out = F.softmax(scores, dim=-1) @ split(v)
    return out.transpose(1, 2).reshape(1, n, d)


class Encoder(nn.Module):
    def __init__(self, whisper):
        super().__init__()
        self.enc, self.dec = whisper.encoder, whisper.decoder
        self.heads = whisper.dims.n_audio_head

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        e = self.enc
        x = F.gelu(e.conv2(F.gelu(e.conv1(mel)))).permute(0, 2, 1)
        x = x + e.positional_embedding[: x.shape[1]]
        for block in e.blocks:
            h = block.attn_ln(x)
            x = x + block.attn.out(_attend(block.attn.query(h), block.attn.key(h), block.attn.value(h), self.heads))
            x = x + block.mlp(block.mlp_ln(x))
        x = e.ln_post(x)
        kv = [torch.stack([b.cross_attn.key(x), b.cross_attn.value(x)]) for b in self.dec.blocks]
        return torch.stack(kv)  # [L, 2, 1, T, D]


class Decoder(nn.Module):
    def __init__(self, whisper):
        super().__init__()
        self.dec = whisper.decoder
        self.heads = whisper.dims.n_text_head

    def forward(self, tokens: torch.Tensor, cross_kv: torch.Tensor, self_kv: torch.Tensor):
        d = self.dec
        past, n = self_kv.shape[3], tokens.shape[1]
        x = d.token_embedding(tokens) + d.positional_embedding[past: past + n]
        # causal mask: query i (absolute past+i) sees keys 0..past+i
        q_pos = torch.arange(n).unsqueeze(1) + past
        k_pos = torch.arange(past + n).unsqueeze(0)
        mask = torch.where(k_pos > q_pos, torch.tensor(float("-inf")), torch.tensor(0.0))
        new_kv = []
        for i, block in enumerate(d.blocks):
            h = block.attn_ln(x)
            k = torch.cat([self_kv[i, 0], block.attn.key(h)], dim=1)
            v = torch.cat([self_kv[i, 1], block.attn.value(h)], dim=1)
            new_kv.append(torch.stack([k, v]))
            x = x + block.attn.out(_attend(block.attn.query(h), k, v, self.heads, mask))
            h = block.cross_attn_ln(x)
            x = x + block.cross_attn.out(_attend(block.cross_attn.query(h), cross_kv[i, 0], cross_kv[i, 1], self.heads))
            x = x + block.mlp(block.mlp_ln(x))
        x = d.ln(x[:, -1])
        return x @ d.token_embedding.weight.T, torch.stack(new_kv)


def export(ct2_dir: Path, out: Path, opset: int = 17) -> dict[str, Path]:
    whisper = load_whisper(ct2_dir)
    dims = whisper.dims
    out.mkdir(parents=True, exist_ok=True)
    mel = torch.randn(1, dims.n_mels, 400)
    enc, dec = Encoder(whisper).eval(), Decoder(whisper).eval()
    paths = {"encoder": out / "encoder.onnx", "decoder": out / "decoder.onnx"}
    with torch.inference_mode():
        cross = enc(mel)
        torch.onnx.export(enc, (mel,), paths["encoder"], dynamo=False, opset_version=opset,
                          input_names=["mel"], output_names=["cross_kv"],
                          dynamic_axes={"mel": {2: "frames"}, "cross_kv": {3: "ctx"}})
        tokens = torch.tensor([[1, 2, 3]])
        past = torch.zeros(dims.n_text_layer, 2, 1, 2, dims.n_text_state)
        torch.onnx.export(dec, (tokens, cross, past), paths["decoder"], dynamo=False, opset_version=opset,
                          input_names=["tokens", "cross_kv", "self_kv"], output_names=["logits", "new_self_kv"],
                          dynamic_axes={"tokens": {1: "n"}, "cross_kv": {3: "ctx"}, "self_kv": {3: "past"},
                                        "new_self_kv": {3: "total"}})
    return paths


def quantize(paths: dict[str, Path], tie: bool = False) -> dict[str, Path]:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = {}
    for name, path in paths.items():
        target = path.with_name(f"{name}.int8.onnx")
        quantize_dynamic(path, target, weight_type=QuantType.QInt8, per_channel=False,
                         op_types_to_quantize=["MatMul", "Gather"])
        quantized[name] = target
    if tie:
        tie_embedding(quantized["decoder"])
    return quantized


def tie_embedding(path: Path) -> int:
    """Let the int8 logits projection read the int8 token embedding: one 20 MB copy instead of two.

    quantize_dynamic stores the embedding twice (uint8 [V, D] for the Gather, int8 [D, V] for the
    logits MatMulInteger x @ W^T). Rewritten as (W @ x^T)^T, the MatMulInteger takes the Gather's
    table as is (no 20 MB transpose per step), with its scale and zero point. Returns bytes saved.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(path)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes = list(graph.node)
    gather = next(n for n in nodes if n.op_type == "Gather" and n.input[0] in inits and len(inits[n.input[0]].dims) == 2)
    table = gather.input[0]
    dequant = next(n for n in nodes if n.op_type == "DequantizeLinear" and n.input[0] == gather.output[0])
    rows, cols = inits[table].dims
    matmul = next(n for n in nodes if n.op_type == "MatMulInteger" and n.input[1] in inits
                  and list(inits[n.input[1]].dims) == [cols, rows])
    old_weight, old_zero = matmul.input[1], matmul.input[3]
    old_scale = old_weight.removesuffix("_quantized") + "_scale"
    x, x_zero = matmul.input[0], matmul.input[2]
    final = next(n for n in nodes if n.op_type == "Mul" and "logits" in n.output)
    final.output[0] = "logits_column"
    graph.node.insert(nodes.index(matmul), helper.make_node("Transpose", [x], [x + "_T"], perm=[1, 0]))
    matmul.input[:] = [table, x + "_T", dequant.input[2], x_zero]
    graph.initializer.append(numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "logits_row_shape"))
    graph.node.append(helper.make_node("Reshape", ["logits_column", "logits_row_shape"], ["logits"]))
    for node in graph.node:
        node.input[:] = [dequant.input[1] if name == old_scale else name for name in node.input]
    saved = sum(numpy_helper.to_array(inits[n]).nbytes for n in (old_weight, old_zero, old_scale))
    for name in (old_weight, old_zero, old_scale):
        graph.initializer.remove(inits[name])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return saved


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


def main() -> None:
    from app.model_files import whisper_model_dir

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ct2-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=WORK / "onnx")
    parser.add_argument("--tie-embedding", action="store_true",
                        help="one int8 embedding copy (decoder 49 -> 29 MB) at a slower decoding step")
    args = parser.parse_args()
    ct2_dir = args.ct2_dir or whisper_model_dir()
    paths = export(ct2_dir, args.out)
    paths.update({f"{k}.int8": v for k, v in quantize(paths, args.tie_embedding).items()})
    paths["config"] = write_config(ct2_dir, args.out)
    for name, path in paths.items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
