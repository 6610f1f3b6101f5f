"""Semantic endpointing: Smart Turn v3.2 tells a finished utterance from a pause mid-sentence."""

from app.turn.model import SmartTurn, smart_turn_dir

__all__ = ["SmartTurn", "smart_turn_dir"]
