"""Read a CTranslate2 `model.bin` into named numpy arrays (no ctranslate2 needed).

Layout, as written by ctranslate2/specs/model_spec.py `ModelSpec._serialize`:
    u32 binary_version, string spec_name, u32 revision, u32 n_variables,
    n_variables x (string name, u8 rank, rank x u32 dim, u8 dtype_id, u32 n_bytes, bytes),
    u32 n_aliases, n_aliases x (string alias, string target)
where a string is u16 length (including a trailing NUL) + bytes + NUL. Scalars (rank 0) hold
attributes such as `encoder/num_heads`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Order of ctranslate2's DataType enum (include/ctranslate2/types.h); bfloat16 has no numpy dtype.
DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


@dataclass
class Ct2Model:
    spec: str
    revision: int
    binary_version: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]


class _Cursor:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def raw(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise ValueError(f"truncated model.bin: wanted {n} bytes at offset {self.pos}")
        view = memoryview(self.data)[self.pos:self.pos + n]
        self.pos += n
        return view

    def string(self) -> str:
        n = self.take("H")
        return bytes(self.raw(n)).rstrip(b"\0").decode("utf-8")


def read_model_bin(path: Path) -> Ct2Model:
    """Parse every variable; bfloat16 is widened to float32, other dtypes kept as stored."""
    cur = _Cursor(Path(path).read_bytes())
    version = cur.take("I")
    if not 3 <= version <= 6:
        raise ValueError(f"{path}: unsupported CTranslate2 binary version {version}")
    spec = cur.string()
    revision = cur.take("I")
    variables = {}
    for _ in range(cur.take("I")):
        name = cur.string()
        shape = tuple(cur.take("I") for _ in range(cur.take("B")))
        dtype = DTYPES[cur.take("B")]
        nbytes = cur.take("I")
        buf = cur.raw(nbytes)
        if dtype == "bfloat16":
            array = (np.frombuffer(buf, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(buf, dtype)
        variables[name] = array.reshape(shape).copy()
    aliases = {}
    for _ in range(cur.take("I")):
        alias = cur.string()
        aliases[alias] = cur.string()
    if cur.pos != len(cur.data):
        raise ValueError(f"{path}: {len(cur.data) - cur.pos} unexpected bytes after the last entry")
    return Ct2Model(spec, revision, version, variables, aliases)
