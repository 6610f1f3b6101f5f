"""The Hearth desktop app (PySide6): a window around the same Pipeline the CLI drives.

All capture and inference run on one worker thread (worker.py); the window only renders
events and forwards the user's requests, so it stays responsive while models think.
"""
