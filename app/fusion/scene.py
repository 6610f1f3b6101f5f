"""What the camera tells the conversation: the `SceneContext` of one frame.

This is the contract between perception (app/fusion/perception.py), the rules that use it
(look-to-talk, presence, gesture) and the dialogue (`DialogueManager.handle(..., scene=)`).
Plain typed values only, so a learned fusion model can be fed the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class Face:
    """One detected face. `facing` means the head points at the camera (|yaw|, |pitch| small)."""

    box: Box
    score: float
    facing: bool = False
    yaw: float = 0.0  # degrees, + = the person turned to their left (our right)
    pitch: float = 0.0  # degrees, + = looking up


@dataclass(frozen=True)
class Hand:
    """One detected hand; `open_palm` = a raised open palm (the stop gesture)."""

    box: Box
    score: float
    open_palm: bool = False


@dataclass
class SceneContext:
    """The scene of one frame. `looking` stays a field (not derived) so old callers keep working."""

    people: int = 0
    facing: int = 0  # how many of the people face the device
    looking: bool = False  # facing > 0
    palm: bool = False  # a raised open palm is in view
    labels: list[str] = field(default_factory=list)  # coarse scene words: "dark", "bright"
    faces: list[Face] = field(default_factory=list)
    hands: list[Hand] = field(default_factory=list)

    @classmethod
    def of(cls, faces: list[Face], hands: list[Hand] = (), labels: list[str] = ()) -> SceneContext:
        """The consistent scene for these detections: people, facing, looking and palm follow from them."""
        facing = sum(f.facing for f in faces)
        return cls(people=len(faces), facing=facing, looking=facing > 0, palm=any(h.open_palm for h in hands),
                   labels=list(labels), faces=list(faces), hands=list(hands))

    def summary(self) -> str:
        """One line for people: `hearth vision` and the window's perception label."""
        people = "nobody" if not self.people else "1 person" if self.people == 1 else f"{self.people} people"
        parts = [people + (f", {self.facing} facing" if self.people else "")]
        parts += ["raised palm"] if self.palm else []
        parts += self.labels
        return "; ".join(parts)

    def to_dict(self) -> dict:
        """JSON-ready form (`hearth vision --json`, logs, the fusion model's features)."""
        return {"people": self.people, "facing": self.facing, "looking": self.looking, "palm": self.palm,
                "labels": list(self.labels),
                "faces": [{"box": list(f.box), "score": round(f.score, 3), "facing": f.facing,
                           "yaw": round(f.yaw, 1), "pitch": round(f.pitch, 1)} for f in self.faces],
                "hands": [{"box": list(h.box), "score": round(h.score, 3), "open_palm": h.open_palm}
                          for h in self.hands]}
