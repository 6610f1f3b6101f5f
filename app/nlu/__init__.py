"""Language understanding: intent and entities from a transcript."""

from app.nlu.types import Entity, NluModel, Understanding

__all__ = ["Entity", "NluModel", "Understanding"]
