"""Camera perception benchmark: face detection against the old Haar cascades, latency and CPU share
at 5 frames/s, look-to-talk on people walking past, and the fusion rules against words alone.

    python -m bench.vision [--seconds 20] [--no-docs]

Photographs come from packages (scikit-image's data module, matplotlib's sample data: the train
extra installs both), with face boxes labelled by hand in bench/vision_labels.json. Composites add
volume: the 100 face and 100 non-face patches of scikit-image's LFW subset, enlarged and pasted
into the face-free photographs at webcam size (640 x 480), and group frames of three faces. The
Haar cascades (opencv, the camera extra) are the baseline only: the app no longer uses them.
Writes its section of docs/benchmarks.md unless --no-docs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from bench.docs_section import write_section

COMMAND = "python -m bench.vision"
LABELS = Path(__file__).with_name("vision_labels.json")
FRAME = (640, 480)
MATCH_IOU = 0.4
APP = "BlazeFace + face mesh (app)"
SEED = 14
HOLD = 5  # frames each picture stays in front of the watcher's camera: 1 s at 5 frames/s


@dataclass
class Frame:
    name: str
    image: Image.Image
    faces: list[tuple[int, int, int, int]]
    frontal: list[bool] = field(default_factory=list)


# -- data -----------------------------------------------------------------------------------------

def _packaged(key: str) -> Image.Image:
    source, name = key.split(":", 1)
    if source == "skimage":
        import skimage.data

        array = getattr(skimage.data, name)()
    else:
        import matplotlib

        array = np.asarray(Image.open(Path(matplotlib.get_data_path()) / "sample_data" / name))
    image = Image.fromarray(array if array.dtype == np.uint8 else (array * 255).astype(np.uint8))
    return image.convert("RGB")


def photos() -> list[Frame]:
    labelled = json.loads(LABELS.read_text(encoding="utf-8"))["photos"]
    return [Frame(key, _packaged(key), [tuple(f["box"]) for f in entry["faces"]],
                  [f["frontal"] for f in entry["faces"]]) for key, entry in labelled.items()]


def composites(backgrounds: list[Image.Image], seed: int = SEED) -> list[Frame]:
    """One LFW face (or non-face patch) per frame, 70-200 px high, and 20 frames of three faces."""
    import skimage.data

    rng = np.random.default_rng(seed)
    patches = (skimage.data.lfw_subset() * 255).astype(np.uint8)  # 100 faces, then 100 non-faces, 25 x 25
    scenes = [bg.resize(FRAME) for bg in backgrounds]
    out = []

    def paste(frame: Image.Image, patch: np.ndarray, side: int, taken: list) -> tuple[int, int, int, int] | None:
        for _ in range(50):
            x, y = int(rng.integers(0, FRAME[0] - side)), int(rng.integers(0, FRAME[1] - side))
            if all(x + side < a or a + s < x or y + side < b or b + s < y for a, b, s, _ in taken):
                enlarged = Image.fromarray(patch).convert("RGB").resize((side, side), Image.Resampling.BICUBIC)
                frame.paste(enlarged, (x, y))
                return x, y, side, side
        return None

    for i, patch in enumerate(patches):
        frame = scenes[i % len(scenes)].copy()
        box = paste(frame, patch, int(rng.integers(70, 200)), [])
        face = i < 100
        name = f"lfw-{'face' if face else 'other'}-{i}"
        out.append(Frame(name, frame, [box] if face else [], [True] if face else []))
    for g in range(20):
        frame, boxes = scenes[g % len(scenes)].copy(), []
        for k in rng.choice(100, 3, replace=False):
            box = paste(frame, patches[k], int(rng.integers(70, 140)), boxes)
            if box:
                boxes.append(box)
        out.append(Frame(f"group-{g}", frame, boxes, [True] * len(boxes)))
    return out


# -- detectors ------------------------------------------------------------------------------------

class Haar:
    """The cascades app/fusion used before (frontal face, minNeighbors 5, faces >= 8 % of the frame)."""

    def __init__(self):
        import cv2

        self.cv = cv2
        self.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def __call__(self, image: Image.Image) -> list[tuple[int, int, int, int]]:
        gray = self.cv.equalizeHist(np.asarray(image.convert("L")))
        side = max(24, int(min(gray.shape) * 0.08))
        return [tuple(int(v) for v in box) for box in self.cascade.detectMultiScale(gray, 1.1, 5, minSize=(side, side))]


def iou(a, b) -> float:
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inner = w * h
    return inner / (a[2] * a[3] + b[2] * b[3] - inner)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    frontal_found: int = 0
    frontal: int = 0
    ms: list[float] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)  # heights in px of the labelled faces not found

    def add(self, found: list, frame: Frame) -> None:
        unmatched = list(range(len(frame.faces)))
        for box in found:
            best = max(unmatched, key=lambda i: iou(box, frame.faces[i]), default=None)
            if best is not None and iou(box, frame.faces[best]) >= MATCH_IOU:
                unmatched.remove(best)
                self.tp += 1
                self.frontal_found += frame.frontal[best]
            else:
                self.fp += 1
        self.fn += len(unmatched)
        self.missed += [frame.faces[i][3] for i in unmatched]
        self.frontal += sum(frame.frontal)

    @property
    def precision(self) -> float:
        return self.tp / max(self.tp + self.fp, 1)

    @property
    def recall(self) -> float:
        return self.tp / max(self.tp + self.fn, 1)


def detection(frames: list[Frame]) -> dict[str, Score]:
    from app.fusion.faces import FaceFinder

    finder = FaceFinder(device="cpu")
    detectors = {APP: lambda im: [f.box for f in finder.find(im)]}
    try:
        detectors["Haar cascade (baseline)"] = Haar()
    except ImportError:
        print("opencv not installed: no Haar baseline (pip install -e '.[camera]')", file=sys.stderr)
    scores = {}
    for name, detect in detectors.items():
        score = scores[name] = Score()
        detect(frames[0].image)  # warm-up
        for frame in frames:
            start = time.perf_counter()
            found = detect(frame.image)
            score.ms.append((time.perf_counter() - start) * 1e3)
            score.add(found, frame)
    return scores


# -- latency and CPU ------------------------------------------------------------------------------

def latency(frames: list[Frame]) -> tuple[dict[str, list[float]], int]:
    """Per-step times, and how many frames showed a raised palm (none of these has one). Each frame is
    perceived twice: as a new picture (the detector runs), then as the next camera frame (its faces followed)."""
    from app.fusion.perception import PerceptionOptions, SceneAnalyzer

    analyzer = SceneAnalyzer(PerceptionOptions(device="cpu"))
    analyzer.perceive(frames[0].image)
    out: dict[str, list[float]] = {"faces, detector frame": [], "faces, followed frame": [], "hands": [],
                                   "total, detector frame with hands": []}
    palms = 0
    for frame in frames:
        seen = analyzer.perceive(frame.image)
        palms += seen.scene.palm
        out["faces, detector frame"].append(seen.timings_ms["faces"])
        out["hands"].append(seen.timings_ms["hands"])
        out["total, detector frame with hands"].append(seen.timings_ms["total"])
        if seen.scene.faces:
            out["faces, followed frame"].append(analyzer.perceive(frame.image, hands=False, follow=True).timings_ms["faces"])
    return out, palms


class Loop:
    """A camera that cycles decoded frames in memory, so CPU time is perception's, not a decoder's; each
    picture is held for `hold` frames (someone in front of the device for a while, then someone else)."""

    def __init__(self, frames: list[Frame], hold: int = 1):
        self.frames = [np.asarray(f.image) for f in frames]
        self.hold = hold
        self.i = 0

    def read(self) -> np.ndarray:
        self.i += 1
        return self.frames[(self.i // self.hold) % len(self.frames)]

    def close(self) -> None:
        pass


def cpu_share(frames: list[Frame], seconds: float, speaking: bool = False) -> tuple[float, int, list[float]]:
    """The watcher at 5 frames/s on its own thread: CPU seconds per wall second (1.0 = one core), frames, and
    each frame's perception time (ms, wall). Idle, it looks for faces only; `speaking` (something a raised palm
    would stop) adds the hands."""
    from app.events import EventBus
    from app.fusion.perception import PerceptionOptions, SceneAnalyzer
    from app.fusion.watcher import Watcher

    analyzer = SceneAnalyzer(PerceptionOptions(device="cpu"))
    analyzer.perceive(frames[0].image)  # models loaded before the clock starts
    per_frame, perceive = [], analyzer.perceive

    def timed(*args, **kwargs):
        seen = perceive(*args, **kwargs)
        per_frame.append(seen.timings_ms["total"])
        return seen

    analyzer.perceive = timed
    camera = Loop(frames, HOLD)
    watcher = Watcher(lambda: camera, analyzer, EventBus(), on_palm=lambda: None, can_listen=lambda: not speaking)
    cpu, wall = time.process_time(), time.monotonic()
    watcher.start()
    time.sleep(seconds)
    watcher.close()
    return (time.process_time() - cpu) / (time.monotonic() - wall), camera.i, per_frame


# -- look-to-talk ---------------------------------------------------------------------------------

def walk_past(background: Image.Image, frontal: Image.Image, profile: Image.Image, glance: int,
              stop: int = 0) -> list[Image.Image]:
    """A head crossing the frame at walking pace (15 steps = 3 s at 5 frames/s) in profile, turning
    to the device for `glance` frames mid-way; `stop` > 0: it halts mid-way and looks for `stop` frames."""
    steps = 15
    positions = list(range(steps // 2)) + [steps // 2] * stop + list(range(steps // 2, steps))
    first = steps // 2 - (glance // 2 if not stop else 0)
    looks = range(first, first + (stop or glance))
    frames = []
    for i, at in enumerate(positions):
        head = frontal if i in looks else profile
        frame = background.copy()
        frame.paste(head, (int(-head.width / 2 + at * (FRAME[0] + head.width) / steps), 150))
        frames.append(frame)
    return frames


def look_to_talk(backgrounds: list[Image.Image]) -> list[tuple[str, int, int]]:
    """(case, frames, triggers) for walk-pasts with glances of 0-4 frames, and for stopping to look."""
    from app.fusion.perception import PerceptionOptions, SceneAnalyzer
    from app.fusion.rules import LookToTalk

    analyzer = SceneAnalyzer(PerceptionOptions(device="cpu"))
    frontal = _packaged("skimage:astronaut").crop((150, 40, 300, 210))
    profile = _packaged("skimage:camera").crop((150, 70, 290, 230))
    rows = []
    cases = [(f"walks past, glances {g} frame{'s' * (g != 1)} ({g * 200} ms)", g, 0) for g in range(5)]
    cases += [("stops and looks for 2 s", 0, 10)]
    for name, glance, stop in cases:
        triggers = frames = 0
        for b, background in enumerate(backgrounds):
            bg = background.resize(FRAME)
            for mirrored in (False, True):  # walking left to right, and right to left
                f, p = (ImageOps.mirror(frontal), ImageOps.mirror(profile)) if mirrored else (frontal, profile)
                rule = LookToTalk(1.0)
                sequence = walk_past(bg, f, p, glance, stop)
                frames += len(sequence)
                triggers += sum(rule.update(analyzer.perceive(im, hands=False, follow=i > 0).scene, i * 0.2)
                                for i, im in enumerate(sequence))  # as the watcher perceives a camera's frames
        rows.append((name, frames, triggers))
    return rows


# -- fusion rules against words alone ------------------------------------------------------------

CASES = [  # words, frame, what is right
    ("turn on the kitchen lights", "nobody", "asks"),
    ("turn off the bedroom lights", "nobody", "asks"),
    ("set a timer for ten minutes", "nobody", "asks"),
    ("play some jazz", "nobody", "asks"),
    ("add milk to my shopping list", "nobody", "asks"),
    ("turn on the kitchen lights", "someone", "acts"),
    ("set a timer for ten minutes", "someone", "acts"),
    ("what time is it", "nobody", "answers"),
    ("is anyone there", "someone", "one person"),
    ("is anyone there", "nobody", "can't see anyone"),
    ("how many people can you see", "group", "three people"),
    ("can you see me", "turned away", "one person"),
]


def fusion_vs_words(frames: dict[str, Image.Image]) -> list[tuple[str, str, str, str, bool, str, bool]]:
    """Each case through the shipped NLU and a fresh dialogue manager, with the frame and without."""
    from app.dialogue import DialogueManager
    from app.fusion.perception import PerceptionOptions, SceneAnalyzer
    from app.nlu.onnx_model import OnnxNlu

    nlu = OnnxNlu(device="cpu")
    analyzer = SceneAnalyzer(PerceptionOptions(device="cpu"))
    scenes = {name: analyzer.analyze(im) for name, im in frames.items()}

    def right(reply, expected: str) -> bool:
        if expected == "asks":
            return reply.expects_reply and not reply.actions and "can't see anyone" in reply.text
        if expected == "acts":
            return bool(reply.actions)
        if expected == "answers":
            return not reply.expects_reply and "can't see" not in reply.text
        return expected in reply.text

    rows = []
    for words, frame, expected in CASES:
        replies = []
        for scene in (None, scenes[frame]):
            with tempfile.TemporaryDirectory() as home:
                os.environ["HEARTH_HOME"] = home
                replies.append(DialogueManager().handle(nlu.understand(words), scene=scene))
        rows.append((words, frame, expected, replies[0].text, right(replies[0], expected), replies[1].text,
                     right(replies[1], expected)))
    return rows


# -- report ---------------------------------------------------------------------------------------

def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}" if values else "-"


def p90(values: list[float]) -> str:
    return f"{np.percentile(values, 90):.1f}" if values else "-"


def section(r: dict) -> str:
    lines = [f"### Camera perception ({COMMAND})", "",
             f"{r['date']} · `{COMMAND} --seconds {r['seconds']}` · {r['machine']} · 1-min load average "
             f"{r['load_before']:.1f} before, {r['load_after']:.1f} after · ONNX Runtime on the CPU, one thread "
             "per model", "",
             f"Face detection, {r['frames']} frames: {r['photos']} packaged photographs labelled by hand "
             f"(bench/vision_labels.json) and {r['frames'] - r['photos']} composites of scikit-image's LFW "
             f"patches at 640 x 480; a match is IoU >= {MATCH_IOU}.", "",
             "| detector | faces found | false detections | missed | precision | recall | frontal recall | "
             "median ms/frame |", "|---|---|---|---|---|---|---|---|"]
    for name, s in r["detection"].items():
        lines.append(f"| {name} | {s.tp} | {s.fp} | {s.fn} | {pct(s.precision)} | {pct(s.recall)} | "
                     f"{pct(s.frontal_found / max(s.frontal, 1))} | {median(s.ms)} |")
    missed = r["detection"][APP].missed
    lines += ["", f"Faces the app missed, by height in px: {', '.join(map(str, sorted(missed)))}."]
    lat, palms = r["latency"]
    lines += ["", f"Perception per frame, wall time (the {r['photos']} photographs and the first 40 composites, "
              "each perceived as a new picture, then, where someone is in view, once more as the next camera frame "
              "with its faces followed by the landmark model alone; hands are looked for only when someone is in "
              "view, and by the watcher only while a raised palm would stop something: a reply or ring playing, a "
              "listen on):", "", "| step | median ms | p90 ms |",
              "|---|---|---|"]
    lines += [f"| {step} | {median(v)} | {p90(v)} |" for step, v in lat.items()]
    lines += ["", f"Raised palms reported on those {len(lat['hands'])} frames, none of which shows one: {palms}."]
    runs = (("cpu_people", "someone in view, Hearth idle"), ("cpu_speaking", "someone in view, Hearth speaking"),
            ("cpu_empty", "nobody in view"))
    lines += ["", f"CPU at 5 frames/s on the watcher thread ({r['seconds']} s each; each picture held for {HOLD} "
              "frames, the detector every 5th frame while it follows faces; perception ms a frame is the wall time "
              "of each frame's `perceive`, the thread's own work):", "",
              "| run | frames | share of one core | CPU ms a frame | perception ms a frame: median / p95 / max |",
              "|---|---|---|---|---|"]
    lines += [f"| {what} | {r[k][1]} | {pct(r[k][0])} | {r[k][0] * r['seconds'] * 1e3 / max(r[k][1], 1):.1f} | "
              f"{median(r[k][2])} / {np.percentile(r[k][2], 95):.1f} / {max(r[k][2]):.1f} |" for k, what in runs]
    lines += ["",
              "Look-to-talk (dwell 1 s, 5 frames/s) on composited walk-pasts: a head crossing the frame in 3 s in "
              "profile, turning to the device for a few frames, over "
              f"{r['backgrounds']} backgrounds in both directions:", "", "| sequence | frames | listens started |",
              "|---|---|---|"]
    lines += [f"| {name} | {frames} | {triggers} |" for name, frames, triggers in r["look"]]
    right_words = sum(row[4] for row in r["fusion"])
    right_fused = sum(row[6] for row in r["fusion"])
    lines += ["", f"Fusion rules against words alone (shipped NLU, fresh dialogue state per case): right "
              f"{right_words}/{len(r['fusion'])} from the words alone, {right_fused}/{len(r['fusion'])} with the "
              "frame.", "", "| words | frame | right is | words alone | with the frame |", "|---|---|---|---|---|"]
    for words, frame, expected, alone, ok_alone, fused, ok_fused in r["fusion"]:
        lines.append(f"| {words} | {frame} | {expected} | {'✓' if ok_alone else '✗'} {alone} | "
                     f"{'✓' if ok_fused else '✗'} {fused} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0, help="how long each CPU-share run lasts")
    p.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    p.add_argument("--seed", type=int, default=SEED, help="where the composites' faces go; another seed is another "
                   "set (docs/vision.md chose the detector's settings on --seed 7, this benchmark's own is 14)")
    args = p.parse_args(argv)
    if args.seed != SEED and not args.no_docs:
        p.error("docs/benchmarks.md holds the benchmark's own seed: add --no-docs")
    load = os.getloadavg()[0]
    labelled = photos()
    backgrounds = [f.image for f in labelled if not f.faces and f.image.width >= 300][:8]
    frames = labelled + composites(backgrounds, args.seed)
    with_people = [f for f in frames if f.faces]
    by_name = {f.name: f.image for f in frames}
    r = {"date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores, no GPU",
         "load_before": load, "seconds": args.seconds, "frames": len(frames), "photos": len(labelled),
         "backgrounds": len(backgrounds[:4]),
         "detection": detection(frames),
         "latency": latency(labelled + frames[len(labelled):len(labelled) + 40]),
         "cpu_people": cpu_share(with_people[:40], args.seconds),
         "cpu_speaking": cpu_share(with_people[:40], args.seconds, speaking=True),
         "cpu_empty": cpu_share([f for f in frames if not f.faces][:40], args.seconds),
         "look": look_to_talk(backgrounds[:4]),
         "fusion": fusion_vs_words({"nobody": by_name["skimage:coffee"], "someone": by_name["skimage:astronaut"],
                                    "group": by_name["group-0"], "turned away": by_name["skimage:camera"]})}
    r["load_after"] = os.getloadavg()[0]
    text = section(r)
    print(text)
    if not args.no_docs:
        write_section("vision", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
