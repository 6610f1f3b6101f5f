"""Give the C heap's free pages back to the operating system.

Loading a model parses its ONNX file into buffers that are freed once the session holds the weights, but
glibc's allocator keeps freed heap pages mapped, so the process stays as large as it was mid-load: about
60 MB after Hearth's preload, of the 500 MB the window may take (docs/benchmarks.md); each listen frees more
(audio, transcripts, the worker's buffers). `malloc_trim` returns them, in about half a millisecond. Other C
libraries (macOS, Windows, musl) have no such call and return pages their own way: a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
