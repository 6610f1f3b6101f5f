"""Generated (scene, utterance) pairs where the scene changes the right answer.

Four families, each with its truth rule:
- real: real HWU64/SLURP utterances with their own intent; chat and yes/no answers mean stop under
  a raised palm (as in `palm`); otherwise only `addressed` depends on the scene.
- palm: everyday words ("okay", "hold on") that mean stop when an open palm is raised.
- presence: questions to the camera ("is anyone there"), an intent the NLU lacks.
- light: "turn it up" / "turn it on" that mean the lights in the dark (or dimming when bright);
  words that name the light themselves ("i can't see anything", HWU64's iot_hue_lighton) are not here.
Addressed: the device is called by name, or nobody is seen (the camera cannot tell), or someone
faces it, or a palm says stop; people present and nobody facing it means talk not meant for it.

Held out twice: test pairs use only held-out templates (real utterances: the NLU's own dev split)
AND held-out scene combinations, so neither the words nor the scene were seen in training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from app.fusion.learned import LIGHT_LABELS
from app.nlu.onnx_model import SHIPPED_DIR as NLU_DIR
from models.nlu.data import load_main, read_dev_keys

STOP = "general_commandstop"
PRESENCE = "presence_query"
# what a raised palm turns into "stop": chat and yes/no answers, not requests that do something
STOPPABLE = frozenset({"general_affirm", "general_negate", "general_quirky", "general_praise", "general_dontcare",
                       "general_confirm", STOP})

# (text, intent without the gesture)
PALM = [
    ("okay", "general_affirm"), ("hold on", "general_quirky"), ("no no no", "general_negate"),
    ("thank you", "general_praise"), ("okay that's good", "general_affirm"), ("excuse me", "general_quirky"),
    ("one second", "general_quirky"), ("not now", "general_negate"), ("nope", "general_negate"),
    ("that's fine", "general_affirm"), ("hang on a moment", "general_quirky"), ("great thanks", "general_praise"),
    ("alright alright", "general_affirm"), ("wait a minute", "general_quirky"), ("no thanks", "general_negate"),
    ("sure that's great", "general_praise"), ("uh hold up", "general_quirky"), ("yes yes okay", "general_affirm"),
    ("right right", "general_affirm"), ("no that's wrong", "general_negate"), ("cheers", "general_praise"),
    ("hmm", "general_quirky"), ("well done", "general_praise"), ("i don't care", "general_dontcare"),
    ("yes", "general_affirm"), ("no", "general_negate"), ("whatever", "general_dontcare"),
    ("okay cool", "general_affirm"), ("nah", "general_negate"), ("you're funny", "general_praise"),
    ("what was that", "general_quirky"), ("fine fine", "general_affirm"), ("that's correct", "general_confirm"),
    ("brilliant", "general_praise"), ("hold your horses", "general_quirky"), ("no need", "general_negate"),
]
PRESENCE_TEXTS = [
    "how many of us are here", "is anyone there", "how many people are in the room", "can you see me",
    "who is here", "am i alone", "is somebody in the room", "how many people can you see", "is anybody home",
    "do you see anyone", "count the people in here", "are we alone", "is there someone with me",
    "how many faces do you see", "can you tell if someone is here", "how many are we",
    "is the room empty", "anybody around",
    "how many people are there", "is there anybody here with me", "can you see anyone", "are there people around",
    "who can you see", "is anyone else in the room", "how many persons are in here", "tell me how many people you see",
    "is someone standing there", "how crowded is it in here", "do i have company", "is my family here",
    "are the kids in the room", "can you count us", "how many people are watching", "is anyone sitting on the couch",
    "do you notice anybody", "who's around",
]
# (text, intent otherwise, intent in the dark, intent when bright)
LIGHT = [
    ("turn it on", "iot_wemo_on", "iot_hue_lighton", None),
    ("switch it on please", "iot_wemo_on", "iot_hue_lighton", None),
    ("turn it up", "audio_volume_up", "iot_hue_lightup", None),
    ("make it stronger", "audio_volume_up", "iot_hue_lightup", None),
    ("turn it down", "audio_volume_down", None, "iot_hue_lightdim"),
    ("could you make it lower", "audio_volume_down", None, "iot_hue_lightdim"),
    ("put it on", "iot_wemo_on", "iot_hue_lighton", None),
    ("bring it up a bit", "audio_volume_up", "iot_hue_lightup", None),
    ("tone it down", "audio_volume_down", None, "iot_hue_lightdim"),
    ("can you switch that on", "iot_wemo_on", "iot_hue_lighton", None),
    ("a bit less please", "audio_volume_down", None, "iot_hue_lightdim"),
    ("turn that on", "iot_wemo_on", "iot_hue_lighton", None),
    ("put that on for me", "iot_wemo_on", "iot_hue_lighton", None),
    ("crank it up", "audio_volume_up", "iot_hue_lightup", None),
    ("pump it up a little", "audio_volume_up", "iot_hue_lightup", None),
    ("turn this down", "audio_volume_down", None, "iot_hue_lightdim"),
    ("lower it please", "audio_volume_down", None, "iot_hue_lightdim"),
    ("a little higher please", "audio_volume_up", "iot_hue_lightup", None),
    ("bring it down", "audio_volume_down", None, "iot_hue_lightdim"),
    ("less of that please", "audio_volume_down", None, "iot_hue_lightdim"),
    ("can we have it up", "audio_volume_up", "iot_hue_lightup", None),
    ("start it up", "iot_wemo_on", "iot_hue_lighton", None),
    ("flip it on", "iot_wemo_on", "iot_hue_lighton", None),
    ("give me more", "audio_volume_up", "iot_hue_lightup", None),
    ("take it down a notch", "audio_volume_down", None, "iot_hue_lightdim"),
]
# calling the device by name: the train and test forms differ
VOCATIVES = {"train": ("hearth, {}", "hey hearth {}", "{} hearth"), "test": ("ok hearth, {}", "{}, please hearth")}
VOCATIVE_RATE = 0.2
NAMED = re.compile(r"\bhearth\b")
TEST_FRACTION = 0.3


@dataclass(frozen=True)
class Pair:
    text: str
    scene: dict  # app.fusion.learned.scene_fields form: people, facing, palm, labels
    intent: str
    addressed: bool
    family: str
    template: str  # the utterance before a vocative was added


def scene_combinations() -> list[dict]:
    """Every consistent scene: facing <= people, a palm needs a person, at most one light word."""
    out = []
    for people in range(4):
        for facing in range(people + 1):
            for palm in ((False, True) if people else (False,)):
                for labels in ([], *([label] for label in LIGHT_LABELS)):
                    out.append({"people": people, "facing": facing, "palm": palm, "labels": labels})
    return out


def held_out(key: str, fraction: float = TEST_FRACTION) -> bool:
    """A stable split by a hash of the key, not by a seeded shuffle that moves when lists change."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


def every_third(n: int) -> bool:
    """Hand-written templates: every third one is held out (a third of a short list, exactly)."""
    return n % 3 == 2


def addressed(text: str, scene: dict, intent: str) -> bool:
    named = NAMED.search(text) is not None
    return named or scene["people"] == 0 or scene["facing"] > 0 or (scene["palm"] and intent == STOP)


def truth(family: str, item, scene: dict) -> str:
    if family in ("real", "palm"):
        return STOP if scene["palm"] and item[1] in STOPPABLE else item[1]
    if family == "presence":
        return PRESENCE
    _, otherwise, dark, bright = item
    if dark and "dark" in scene["labels"]:
        return dark
    if bright and "bright" in scene["labels"]:
        return bright
    return otherwise


def templates(real_limit: int | None) -> dict[str, list[tuple[str, tuple, bool]]]:
    """family -> [(template text, item, is test)]; real utterances split as the NLU's own dev split."""
    dev_keys = read_dev_keys(NLU_DIR / "dev_split.json")
    real = [(e.text.lower(), (e.text.lower(), e.intent), e.key in dev_keys) for e in load_main().examples]
    random.Random(7).shuffle(real)
    if real_limit is not None:
        real = real[:real_limit]
    return {
        "real": real,
        "palm": [(t, (t, i), every_third(n)) for n, (t, i) in enumerate(PALM)],
        "presence": [(t, (t,), every_third(n)) for n, t in enumerate(PRESENCE_TEXTS)],
        "light": [(item[0], item, every_third(n)) for n, item in enumerate(LIGHT)],
    }


def generate(scenes_per_template: dict[str, int], real_limit: int | None = None, seed: int = 13) -> dict:
    """{"train": [Pair], "test": [Pair]}: test = held-out templates x held-out scene combinations."""
    rng = random.Random(seed)
    combos = scene_combinations()
    pools = {split: [c for c in combos if held_out(json.dumps(c, sort_keys=True)) == (split == "test")]
             for split in ("train", "test")}
    out = {"train": [], "test": []}
    for family, rows in templates(real_limit).items():
        for text, item, test in rows:
            split = "test" if test else "train"
            for scene in rng.sample(pools[split], min(scenes_per_template[family], len(pools[split]))):
                intent = truth(family, item, scene)
                said = rng.choice(VOCATIVES[split]).format(text) if rng.random() < VOCATIVE_RATE else text
                out[split].append(Pair(said, scene, intent, addressed(said, scene, intent), family, text))
    return out


SCENES = {"real": 2, "palm": 100, "presence": 100, "light": 100}


def save(pairs: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in pairs.items():
        with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(asdict(p)) + "\n" for p in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="write the generated pairs as JSON lines, to read them")
    parser.add_argument("--out", type=Path, default=Path("models/work/fusion/pairs"))
    parser.add_argument("--real-limit", type=int, default=None, help="use only this many real utterances")
    args = parser.parse_args(argv)
    pairs = generate(SCENES, args.real_limit)
    save(pairs, args.out)
    print({split: len(rows) for split, rows in pairs.items()}, "->", args.out)


if __name__ == "__main__":
    main()
