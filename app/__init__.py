"""Hearth: an offline voice assistant. The runtime package; it never imports torch."""

__version__ = "0.1.0"
