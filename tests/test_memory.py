"""Freed heap pages go back to the system after loading (app/memory.py)."""

import sys

import pytest

from app.memory import release_free_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_glibc_heap_pages_are_given_back():
    assert release_free_memory() is True
