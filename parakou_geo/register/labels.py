"""Address labels of the register: ``12 Rue 2.045``, ``12 bis Rue 2.045``, ``12A Rue 2.045``."""

from __future__ import annotations

import numpy as np

from parakou_geo.numbering import LATIN_SUFFIXES

__all__ = ["make_labels"]


def make_labels(
    number: np.ndarray, suffix: np.ndarray, code: np.ndarray, prefix: str
) -> list[str]:
    """Return address labels such as ``12 bis Rue 2.045`` or ``12A Rue 2.045``.

    Examples
    --------
    >>> make_labels(np.array([12, 12, 7]), np.array(["", "bis", "A"], dtype=object),
    ...             np.array(["2.045"] * 3, dtype=object), "Rue")
    ['12 Rue 2.045', '12 bis Rue 2.045', '7A Rue 2.045']
    """
    latin = set(LATIN_SUFFIXES)
    out = []
    for n, sfx, c in zip(number, suffix, code, strict=True):
        part = f" {sfx}" if sfx in latin else sfx
        out.append(f"{n}{part} {prefix} {c}")
    return out
