"""Smart Turn toolchain: fetches the end-of-turn model Hearth ships in shipped/ (`python -m models.turn.fetch`)."""
