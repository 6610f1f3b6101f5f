"""Measure one ONNX candidate folder in this process: `python -m models.compress.measure FOLDER`.

Prints one JSON line: dev scores, batch-1 latency (the runtime's code path, after warm-up), file
size, parameter count and the process's peak RSS. Run in a fresh process per model so the RSS
high-water mark belongs to that model alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

from models.nlu.evaluate import error_kinds, per_type

LATENCY_UTTERANCES = 200


def parameters(path: Path) -> int:
    """Weights stored in the file: float and int8 initializers, not quantization scales or shapes."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    weight_types = {onnx.TensorProto.FLOAT, onnx.TensorProto.INT8, onnx.TensorProto.UINT8}
    total = 0
    for init in model.graph.initializer:
        n = 1
        for d in init.dims:
            n *= d
        if init.data_type in weight_types and n > 1 and not init.name.endswith(("_scale", "_zero_point")):
            total += n
    return total


def _load(folder: Path, threads: int, model_file: str, torch_weights: Path | None):
    """(model, its file, parameter count): the ONNX runtime model, or the fp32 PyTorch one."""
    if torch_weights is None:
        from app.nlu.onnx_model import OnnxNlu

        path = folder / model_file
        nlu = OnnxNlu(folder, threads=threads, device="cpu", normalize_values=False, model_file=model_file)
        return nlu, path, parameters(path)
    import torch

    from models.nlu.evaluate import torch_model

    torch.set_num_threads(threads)
    nlu = torch_model(torch_weights, folder)
    return nlu, torch_weights, sum(p.numel() for p in nlu.model.parameters())


def measure(folder: Path, threads: int, model_file: str = "model.onnx", torch_weights: Path | None = None,
            task: str = "main") -> dict:
    from models.compress.study import load_task
    from models.nlu.evaluate import latency, predict, score

    dev = load_task(task=task).dev
    nlu, path, n_parameters = _load(folder, threads, model_file, torch_weights)
    decoded = predict(nlu, [e.text for e in dev])
    scores = score(dev, decoded)
    texts = [e.text for e in dev][:LATENCY_UTTERANCES]
    timing = latency(lambda t: nlu.understand_batch([t]), texts)
    result = {"dev": scores.as_dict(), "latency": timing.__dict__, "size_mb": path.stat().st_size / 1e6,
              "parameters": n_parameters, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "threads": threads, "runtime": "onnx" if torch_weights is None else "pytorch",
              "per_type": per_type(dev, decoded), "errors": error_kinds(dev, decoded),
              "decoders": decoders(nlu, dev)}
    if task == "main":
        result["spoken_dev"] = spoken_dev(nlu)
    return result


def decoders(nlu, dev) -> dict:
    """Dev scores of the same model under each decoder: what decoding adds to the raw tag scores."""
    from dataclasses import replace

    from app.nlu.onnx_model import Decoder
    from models.nlu.evaluate import evaluate

    shipped, labels = nlu.decoder, nlu.decoder.labels
    variants = {"argmax": Decoder(labels, False, search=False),
                "valid BIO": Decoder(replace(labels, crf=None), False),
                "valid BIO + CRF (the runtime's)": shipped if labels.crf else None,
                "+ intent types": Decoder(labels, False, intent_types=True) if labels.intent_entities else None}
    out = {}
    for name, decoder in variants.items():
        if decoder is not None:
            nlu.decoder = decoder
            out[name] = evaluate(nlu, dev).as_dict()
    nlu.decoder = shipped
    return out


def spoken_dev(nlu) -> dict | None:
    """The model on the spoken dev set (held-out voices -> shipped Whisper -> model), when one was made."""
    from models.nlu.spoken import WORK, read, score_records

    records = read(WORK / "dev.jsonl")
    return score_records(records, nlu) if records else None


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m models.compress.measure", description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--model-file", default="model.onnx")
    p.add_argument("--torch", type=Path, help="fp32 PyTorch weights (model.pt) to measure instead, with the "
                                              "folder's labels.json and tokenizer.json")
    p.add_argument("--task", choices=("main", "snips"), default="main", help="whose dev set")
    args = p.parse_args(argv)
    print(json.dumps(measure(args.folder, args.threads, args.model_file, args.torch, args.task)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
