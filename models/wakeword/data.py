"""Training and measurement data, all synthesized here: speech from every offline voice, placed in
rooms and noises, turned into speech embeddings (app.wake.WakeFeatures, the runtime's own code).

Training (`Examples`): the embeddings of each clip and which 16-embedding windows are the wake
word (ending 0-3 embeddings after "hearth" ends: the runtime may fire a little late, never
early), which are not (everything before "hey" and all of every other clip) and which are left
out (the word half said, or still in the window after it). Near misses ("hey heart", "hey harp",
"hearth rug", ...) weigh most in the windows where they end, which is where they differ.
Measurement (`Measure`) keeps audio, so the runtime detector runs over it exactly as it runs on
a microphone.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.audio.files import SAMPLE_RATE, load_audio
from app.config import datasets_dir
from app.errors import HearthError
from app.wake import CHUNK, WINDOW, WakeFeatures
from models import voices
from models.voices import (
    PLAIN_VOICE,
    Voice,
    held_speed,
    held_voice,
    speech_voice,
    train_voice,
)
from models.wakeword import augment

WAKE = ["hey hearth", "hey, hearth", "hey hearth!", "hey hearth."]
CLOSE = ["hey heart", "hey harp", "hey hart", "hey hurt", "hey hark", "hey Garth", "hey hearts", "hey half",
         "hey health", "hey heath", "hey herb", "hey hearst", "hey earth", "hey, heart", "hey harsh", "hey hush"]
OTHER = ["hearth rug", "hey Keith", "hey there", "hearth", "hey", "by the hearth", "okay hearth", "hey Siri", "heart",
         "hey Ruth", "the hearth", "hay harvest", "hey her", "ahead, hearth", "earth", "hey Sarah"]
FOLLOW = ["what time is it", "turn on the kitchen lights", "set a timer for ten minutes", "what's the weather like",
          "play some music", "stop", "how are you", "add milk to my shopping list", "turn it off", "good morning"]
SPEECH_DIR = Path("/work/shared/speech")
CLOSE_SHARE = 0.6  # of the near misses: one sound away from "hey hearth"
FOCUS_WEIGHT = 8.0  # near-miss windows ending as the near miss ends: where "heart" and "hearth" part
SPEECH_WEIGHT = 100.0  # everyday speech, noise and music: 2 -> 100 cut false accepts 39 -> 5.5 an hour at 0.5


@dataclass(frozen=True)
class Sizes:
    positives: int = 2000  # training "hey hearth" clips
    near: int = 2400  # near-miss clips
    sentences: int = 2000  # spoken SLURP sentences (training negatives), about 1.6 h with gaps
    more_sentences: int = 2500  # the next ones, by more voices and speeds (the "speech" part), no noise
    plain_voice: int = 300  # of them in espeak-ng's default voice
    noise_s: float = 600.0  # noise, music and silence (training negatives)
    held_voice: int = 400  # measurement: held-out voices
    held_speed: int = 300  # measurement: trained voices, held-out speeds
    pool_sentences: int = 7000  # at most (all 6,490 that are not the measurement's), spoken again for the
    pool_noise_s: float = 1200.0  # pool hard negatives are mined from (mine.py), with noise, music, babble
    measure_sentences: int = 5000  # measurement: the false-accept stream, about 4 h with noise, music
    measure_noise_s: float = 1800.0  # and babble: one half picks the threshold, the other is measured, so
    # each half is over 2 h and one false accept is under 0.5 an hour


TINY = Sizes(positives=6, near=4, sentences=6, more_sentences=4, plain_voice=2, noise_s=10.0, held_voice=3,
             held_speed=2, pool_sentences=4, pool_noise_s=10.0, measure_sentences=4, measure_noise_s=10.0)


def sentences() -> list[str]:
    """Distinct SLURP training sentences (no labels needed), in a fixed shuffled order; the
    training negatives and the mining pool take the front, the measurement the back, so none is in both."""
    path = datasets_dir() / "slurp" / "train_sentences_unlabeled.txt"
    lines = sorted({line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()})
    lines = [s for s in lines if "hearth" not in s and "heart" not in s]
    random.Random(17).shuffle(lines)
    return lines


def speak(text: str, voice: Voice, tries: int = 3) -> np.ndarray:
    """`models.voices.speak`, tried again when the synthesizer hangs: espeak-ng and flite each hung
    once past its 60 s limit in one build here, on calls that succeed at once when repeated."""
    for _ in range(tries - 1):
        try:
            return voices.speak(text, voice)
        except HearthError:
            pass
    return voices.speak(text, voice)


def trim(audio: np.ndarray) -> np.ndarray:
    """Cut the synthesizer's leading and trailing silence, so the phrase's end is known to the sample."""
    loud = np.flatnonzero(np.abs(audio) > 0.02 * max(float(np.abs(audio).max()), 1e-6))
    return audio[loud[0]:loud[-1] + 1] if loud.size else audio[:0]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), np.float32)


def placed(rng: random.Random, nprng: np.random.Generator, phrase: np.ndarray, voice: Voice,
           follow: bool) -> tuple[np.ndarray, int, int]:
    """lead (silence, or another sentence's end) + phrase + (a command said straight after, or
    silence), in a room; returns the audio and where the phrase starts and ends (samples)."""
    lead = silence(rng.uniform(0.3, 1.6))
    if rng.random() < 0.3:
        other = trim(speak(rng.choice(FOLLOW), voice))
        lead = np.concatenate([other[-int(rng.uniform(0.3, 1.0) * SAMPLE_RATE):], silence(rng.uniform(0.1, 0.5))])
    tail = silence(rng.uniform(0.4, 1.0))
    if follow:
        tail = np.concatenate([silence(rng.uniform(0.05, 0.3)), trim(speak(rng.choice(FOLLOW), voice)), tail])
    audio = np.concatenate([lead, phrase, tail])
    return augment.room(nprng, audio), len(lead), len(lead) + len(phrase)


def last_chunk(end: int) -> int:
    """The 80 ms chunk holding a phrase's last sample (`end` is one past it)."""
    return -(-end // CHUNK) - 1


@dataclass
class Examples:
    """Embedding sequences laid end to end (each after WINDOW-1 silence embeddings, as after a reset)
    and the windows to learn from: the index of each window's last embedding, its label and weight."""

    embeddings: list[np.ndarray] = field(default_factory=list)
    ends: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def add(self, features: WakeFeatures, audio: np.ndarray, positive: tuple[int, int] | None = None,
            near: tuple[int, int] | None = None, weight: float = 1.0, stride: int = 1) -> None:
        """A clip: `positive` is where "hey hearth" is in it, `near` where a near miss is (its
        windows around the end weigh FOCUS_WEIGHT), neither for everything else (each window `weight`)."""
        emb = np.concatenate([np.repeat(features.silence()[None], WINDOW - 1, 0), features.clip(audio)])
        count = len(emb) - WINDOW + 1  # windows; window k ends at embedding k + WINDOW - 1 (chunk k)
        chunks = np.arange(count)
        labels, keep = np.zeros(count, np.float32), chunks % stride == 0
        weights = np.full(count, weight, np.float32)
        if positive is not None:
            start, end = positive
            labels[(chunks >= last_chunk(end)) & (chunks <= last_chunk(end) + 3)] = 1.0
            keep = (chunks < start // CHUNK) | (labels == 1.0)
        if near is not None:
            weights[(chunks >= last_chunk(near[1]) - 2) & (chunks <= last_chunk(near[1]) + 5)] = FOCUS_WEIGHT
        self.embeddings.append(emb)
        self.ends.append(self.size + chunks[keep] + WINDOW - 1)
        self.labels.append(labels[keep])
        self.weights.append(weights[keep])
        self.size += len(emb)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, embeddings=np.concatenate(self.embeddings), ends=np.concatenate(self.ends),
                 labels=np.concatenate(self.labels), weights=np.concatenate(self.weights))


def negative_stream(rng: random.Random, nprng: np.random.Generator, texts: list[str], pick_voice,
                    noise_s: float, real: bool, where: list[dict] | None = None) -> list[np.ndarray]:
    """Speech (one room per sentence, gaps between), then noise, music and silence, in pieces;
    `where` (if given) gets each sentence's and sound's place in the pieces laid end to end (samples),
    so a false accept can be traced to what was said."""
    pieces, piece, at = [], [], 0

    def mark(audio: np.ndarray, **what) -> np.ndarray:
        nonlocal at
        if where is not None:
            where.append({"start": at, "end": at + len(audio)} | what)
        at += len(audio)
        return audio

    for i, text in enumerate(texts):
        voice = pick_voice(i)
        piece += [mark(augment.room(nprng, trim(speak(text, voice))), kind="sentence", text=text, voice=voice.name),
                  mark(silence(rng.uniform(0.2, 1.2)), kind="gap")]
        if len(piece) >= 40:
            pieces.append(np.concatenate(piece))
            piece = []
    if piece:
        pieces.append(np.concatenate(piece))
    if real:
        pieces += [mark(augment.room(nprng, load_audio(p)), kind="real", text=p.name)
                   for p in sorted(SPEECH_DIR.glob("*.wav"))]
    made = 0.0
    while made < noise_s:
        n = int(min(30.0, noise_s - made) * SAMPLE_RATE)
        kind = rng.choice(["noise", "music", "silence", "babble"])
        said = []
        if kind == "noise":
            sound = augment.noise(nprng, n) * float(10 ** nprng.uniform(-3, -0.7))
        elif kind == "music":
            sound = augment.music(nprng, n) * float(10 ** nprng.uniform(-1.5, 0))
        elif kind == "babble":  # three people talking at once
            talkers = []
            for _ in range(3):  # draws in the order they always were: same data
                said.append(rng.choice(texts))
                talkers.append(trim(speak(said[-1], pick_voice(rng.randrange(10**6)))))
            mix = np.zeros(max(len(v) for v in talkers), np.float32)
            for v in talkers:
                mix[:len(v)] += v / 3
            sound = augment.room(nprng, mix)
            n = len(mix)
        else:
            sound = silence(n / SAMPLE_RATE)
        pieces.append(mark(sound, kind=kind, text=" | ".join(said)))
        made += n / SAMPLE_RATE
    return pieces


PARTS = ["positives", "near", "negatives", "speech"]  # training data, each part cached in a file of its own


def training(part: str, sizes: Sizes, features: WakeFeatures, log=print) -> Examples:
    """One part of the training data (PARTS), from its own seed."""
    rng, nprng = random.Random(f"{part}-1"), np.random.default_rng(PARTS.index(part) + 1)
    out = Examples()
    if part == "positives":
        for i in range(sizes.positives):
            voice = train_voice(rng)
            audio, start, end = placed(rng, nprng, trim(speak(rng.choice(WAKE), voice)), voice,
                                       follow=rng.random() < 0.4)
            out.add(features, audio, positive=(start, end))
            if i % 500 == 0:
                log(f"positives {i}/{sizes.positives}")
    elif part == "near":
        for i in range(sizes.near):
            voice = plain_voice() if i % 10 == 0 else train_voice(rng)
            phrase = rng.choice(CLOSE if rng.random() < CLOSE_SHARE else OTHER)
            audio, start, end = placed(rng, nprng, trim(speak(phrase, voice)), voice, follow=rng.random() < 0.4)
            out.add(features, audio, near=(start, end))
            if i % 500 == 0:
                log(f"near misses {i}/{sizes.near}")
    elif part == "speech":
        texts = sentences()[sizes.sentences: sizes.sentences + sizes.more_sentences]
        for piece in negative_stream(rng, nprng, texts, lambda i: speech_voice(rng), 0.0, real=False):
            out.add(features, piece, weight=SPEECH_WEIGHT, stride=2)
    else:
        texts = sentences()[: sizes.sentences]
        pick = lambda i: plain_voice() if i < sizes.plain_voice else train_voice(rng)
        for piece in negative_stream(rng, nprng, texts, pick, sizes.noise_s, real=True):
            out.add(features, piece, weight=SPEECH_WEIGHT, stride=2)
    log(f"{part}: {out.size * CHUNK / SAMPLE_RATE / 3600:.2f} h of audio")
    return out


def load(paths: list[Path]) -> dict[str, np.ndarray]:
    """The saved parts as one set: embeddings end to end, window ends shifted to match."""
    parts = [np.load(p) for p in paths]
    offsets = np.cumsum([0] + [len(p["embeddings"]) for p in parts[:-1]])
    return {"embeddings": np.concatenate([p["embeddings"] for p in parts]),
            "ends": np.concatenate([p["ends"] + o for p, o in zip(parts, offsets)]),
            "labels": np.concatenate([p["labels"] for p in parts]),
            "weights": np.concatenate([p["weights"] for p in parts])}


def plain_voice() -> Voice:
    """espeak-ng's default voice at its usual speed and pitch (Hearth's own voice is measured in
    evaluate.py, through app.tts, never trained on)."""
    return Voice("espeak", PLAIN_VOICE, 175, 50)


@dataclass
class Measure:
    """Audio for the measurement: held-out positive clips (with where the phrase is) and one long
    stream of everything else."""

    clips: list[np.ndarray]
    spans: list[tuple[int, int]]  # phrase start and end in each clip (samples)
    kinds: list[str]  # "voice" (held-out voice) or "speed" (trained voice, held-out speed)
    stream: np.ndarray

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lengths = [len(c) for c in self.clips]
        np.savez(path, clips=_pcm(np.concatenate(self.clips)), lengths=np.array(lengths), spans=np.array(self.spans),
                 stream=_pcm(self.stream))
        path.with_suffix(".json").write_text(json.dumps({"kinds": self.kinds}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Measure:
        data = np.load(path)
        flat, at, clips = data["clips"].astype(np.float32) / 32767, 0, []
        for n in data["lengths"]:
            clips.append(flat[at:at + n])
            at += n
        kinds = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["kinds"]
        return cls(clips, [tuple(s) for s in data["spans"]], kinds, data["stream"].astype(np.float32) / 32767)


def _pcm(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1, 1) * 32767).astype(np.int16)


def measurement(sizes: Sizes, log=print) -> Measure:
    return held_out(sentences()[-sizes.measure_sentences:], sizes.held_voice, sizes.held_speed,
                    sizes.measure_noise_s, 2, log)


def held_out(texts: list[str], voice_clips: int, speed_clips: int, noise_s: float, seed: int, log=print,
             where: list[dict] | None = None) -> Measure:
    """Held-out positives (voices, then speeds) and a false-accept stream of `texts`, half of them
    said by held-out voices, then noise, music and babble (`where`: negative_stream's)."""
    rng, nprng = random.Random(seed), np.random.default_rng(seed)
    clips, spans, kinds = [], [], []
    for kind, count, pick in (("voice", voice_clips, held_voice), ("speed", speed_clips, held_speed)):
        for _ in range(count):
            voice = pick(rng)
            audio, start, end = placed(rng, nprng, trim(speak(rng.choice(WAKE), voice)), voice,
                                       follow=rng.random() < 0.4)
            clips.append(audio)
            spans.append((start, end))
            kinds.append(kind)
    log(f"held-out positives {len(clips)}")
    pick_voice = lambda i: held_voice(rng) if i % 2 else train_voice(rng)
    stream = np.concatenate(negative_stream(rng, nprng, texts, pick_voice, noise_s, real=False, where=where))
    log(f"false-accept stream {len(stream) / SAMPLE_RATE / 3600:.2f} h")
    return Measure(clips, spans, kinds, stream)
