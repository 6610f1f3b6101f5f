import subprocess
import sys

RUNTIME_MODULES = ["app.cli", "app.pipeline", "app.asr.faster_whisper_engine", "app.asr.onnx_engine", "app.vad", "app.tts",
                   "app.fusion", "app.nlu.onnx_model", "app.dialogue", "app.doctor"]


def test_runtime_never_imports_torch_or_transformers():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in RUNTIME_MODULES)
            + "from app.pipeline import Pipeline\n"
            "p = Pipeline(); p.preload()\n"
            "bad = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
