"""The Hearth desktop app (PySide6): a window around the same Assistant the CLI drives.

Capture, inference, speaking and ringing timers run on the assistant's threads (app/assistant.py);
the window only renders its events (through bridge.py) and forwards the user's requests, so it
stays responsive while models think.
"""
