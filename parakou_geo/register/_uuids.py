"""Private: the name-based (version 5) UUIDs of many addresses at once, without a Python loop.

A version 5 UUID is the SHA-1 digest of a namespace's 16 bytes followed by the name, with its
version and variant bits set. For a million addresses, making a million names as Python
strings and hashing each with :mod:`hashlib` held the interpreter for about a second. Here:

- the names (``"{building_id}|{street_code}|{number}|{suffix}"``, as
  :func:`parakou_geo.register.address_uuid` writes them) are joined by Arrow, and each message
  is padded to whole 64-byte blocks by joining it with the padding its length needs (one of a
  few dozen, taken from a small table);
- SHA-1 (FIPS 180-4) runs in numpy on all messages of one block count at once, a slice of
  rows at a time so the 80 words of each slice stay in the processor's cache.

:func:`uuid5_digests` answers ``None`` for columns whose text Arrow would not write as Python
does (missing values, numbers that are not integers, other objects); the caller then hashes
them with :mod:`hashlib`. ``tests/test_register_uuids.py`` compares the two on many names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["uuid5_digests"]

#: SHA-1's initial hash value and round constants (FIPS 180-4, 5.3.1 and 4.2.1).
_H0 = np.array([0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0], dtype=np.uint32)
_K = np.array([0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6], dtype=np.uint32)

#: Messages hashed at once: 80 words of this many rows fit in a processor's cache.
_ROWS = 16_384


def uuid5_digests(namespace: bytes, columns: list[Any]) -> np.ndarray | None:
    """Return the first 16 bytes of the SHA-1 of ``namespace + "a|b|c|d"`` for every row.

    Parameters
    ----------
    namespace : bytes
        The UUID namespace's 16 bytes.
    columns : list
        Equal-length columns (numpy arrays, lists, Arrow or pandas arrays) of text or
        integers: a slice of the rows (the caller bounds the memory of the messages).

    Returns
    -------
    numpy.ndarray or None
        ``(n, 16)`` bytes, or None when a column holds values this path does not write.
    """
    texts = [_as_text(c) for c in columns]
    if not texts or any(t is None for t in texts):
        return None
    names = pc.binary_join_element_wise(*texts, pa.scalar("|", type=pa.large_string()))
    messages = pc.binary_join_element_wise(
        pa.scalar(namespace, type=pa.large_binary()), pc.cast(names, pa.large_binary()),
        pa.scalar(b"", type=pa.large_binary()))
    return _sha1(messages)[:, :16]


def _as_text(column: Any) -> pa.Array | None:
    """Return a column as Arrow text as Python's ``f"{value}"`` writes it, or None.

    Only text and integers without missing values are taken: how Python writes a missing
    value (``None``, ``nan``, ``<NA>``) depends on the container, so those go to hashlib.
    """
    try:
        values = column if isinstance(column, pa.Array | pa.ChunkedArray) else pa.array(column)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.null_count or not (pa.types.is_integer(values.type)
                                 or pa.types.is_string(values.type)
                                 or pa.types.is_large_string(values.type)):
        return None
    return pc.cast(values, pa.large_string())


def _sha1(messages: pa.LargeBinaryArray) -> np.ndarray:
    """Return the SHA-1 digests of Arrow binary messages as an ``(n, 20)`` byte array."""
    offsets = np.frombuffer(messages.buffers()[1], dtype=np.int64)[
        messages.offset:messages.offset + len(messages) + 1]
    lengths = np.diff(offsets)
    # padding: 0x80, zeros, then the length in bits (8 bytes, big-endian), to whole blocks
    blocks = (lengths + 8) // 64 + 1
    pad_lengths, which = np.unique(lengths, return_inverse=True)
    pads = pa.array([b"\x80" + bytes((55 - int(n)) % 64) + (8 * int(n)).to_bytes(8, "big")
                     for n in pad_lengths], type=pa.large_binary())
    padded = pc.binary_join_element_wise(messages, pads.take(pa.array(which.ravel())),
                                         pa.scalar(b"", type=pa.large_binary()))
    digests = np.empty((len(messages), 5), dtype=">u4")
    for count in np.unique(blocks):
        rows = np.flatnonzero(blocks == count)
        part = padded.take(pa.array(rows)) if len(rows) < len(messages) else padded
        data = np.frombuffer(part.buffers()[2], dtype=np.uint8)
        first = int(np.frombuffer(part.buffers()[1], dtype=np.int64)[part.offset])
        words = data[first:first + len(rows) * 64 * int(count)].view(">u4").reshape(
            len(rows), int(count), 16)
        for start in range(0, len(rows), _ROWS):
            chunk = words[start:start + _ROWS]
            state = np.tile(_H0[:, None], (1, len(chunk)))
            for block in range(int(count)):
                state += _compress(state, chunk[:, block, :].T.astype(np.uint32))
            digests[rows[start:start + _ROWS]] = state.T
    return digests.view(np.uint8).reshape(len(messages), 20)


def _rotl(x: np.ndarray, n: int, out: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """``out = x`` rotated left by ``n`` bits (32-bit words)."""
    np.left_shift(x, n, out=tmp)
    np.right_shift(x, 32 - n, out=out)
    out |= tmp
    return out


def _compress(state: np.ndarray, words: np.ndarray) -> np.ndarray:
    """SHA-1's compression of one 16-word block per column; returns what adds to ``state``."""
    n = words.shape[1]
    w = np.empty((80, n), dtype=np.uint32)
    w[:16] = words
    tmp = np.empty(n, dtype=np.uint32)
    for t in range(16, 80):  # the message schedule
        x = np.bitwise_xor(w[t - 3], w[t - 8])
        x ^= w[t - 14]
        x ^= w[t - 16]
        _rotl(x, 1, w[t], tmp)
    a, b, c, d, e = (state[i].copy() for i in range(5))
    f = np.empty(n, dtype=np.uint32)
    total = np.empty(n, dtype=np.uint32)
    for t in range(80):
        if t < 20:  # Ch(b, c, d) = (b & c) | (~b & d), written d ^ (b & (c ^ d))
            np.bitwise_xor(c, d, out=f)
            f &= b
            f ^= d
        elif 40 <= t < 60:  # Maj(b, c, d) = (b & c) | (d & (b | c))
            np.bitwise_or(b, c, out=f)
            f &= d
            np.bitwise_and(b, c, out=tmp)
            f |= tmp
        else:  # Parity(b, c, d)
            np.bitwise_xor(b, c, out=f)
            f ^= d
        _rotl(a, 5, total, tmp)
        total += f
        total += e
        total += _K[t // 20]
        total += w[t]
        # e <- d, d <- c, c <- rotl(b, 30), b <- a, a <- total (arrays reused, not copied)
        e, d, c, b, a, total = d, c, b, a, total, e
        _rotl(c, 30, c, tmp)
    return np.stack([a, b, c, d, e])
