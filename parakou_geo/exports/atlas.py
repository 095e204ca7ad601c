"""Map sheets: a PDF atlas with an index page and one page per reference-grid cell.

Each page shows the streets of its cell labelled by code (and name) and the address points
with their numbers; the index page shows the whole addressed area with the grid and cell
labels. Drawn with matplotlib's object API (no global pyplot state).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from parakou_geo.exports._input import RegisterSource, load_register, select_addresses, text
from parakou_geo.exports._words import Language, word
from parakou_geo.exports.grid import reference_grid
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.register import atomic_path

__all__ = ["write_atlas"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_A4 = (8.27, 11.69)


def _draw_lines(ax: object, geoms: np.ndarray, **style: object) -> None:
    for g in geoms:
        for part in shapely.get_parts(g):
            xy = shapely.get_coordinates(part)
            ax.plot(xy[:, 0], xy[:, 1], **style)  # type: ignore[attr-defined]


def write_atlas(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    statuses: Iterable[str] | None = ("proposed", "current"),
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> int:
    """Write the PDF atlas: an index page, then one page per grid cell with content.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631, metres).
    path : str or os.PathLike
        The ``.pdf`` file.
    statuses : iterable of str, optional
        Statuses of the addresses drawn (default proposed and current).
    settings : ExportSettings, optional
        ``grid_cell_m`` (metres), language, commune name.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    int
        The number of pages written (1 + number of cells).
    """
    s = settings or ExportSettings()
    lang: Language = s.language  # type: ignore[assignment]
    reg = load_register(register)
    addr = select_addresses(reg, statuses=statuses)
    streets = reg.streets
    grid = reference_grid(streets.geometry if len(addr) == 0 else
                          streets.geometry._constructor(  # streets and addresses together
                              np.concatenate([np.asarray(streets.geometry.array),
                                              np.asarray(addr.geometry.array)]),
                              crs=streets.crs), cell_m=s.grid_cell_m)
    s_geoms = np.asarray(streets.geometry.array)
    s_tree = shapely.STRtree(s_geoms)
    codes = text(streets["street_code"]).to_numpy(dtype=str)
    names = text(streets["street_name"]).to_numpy(dtype=str)
    a_geoms = np.asarray(addr.geometry.array)
    a_tree = shapely.STRtree(a_geoms)
    number = pd.to_numeric(addr["number"], errors="coerce").astype("Int64").astype(str)
    numbers = (number + np.where(text(addr["suffix"]) != "",
                                 " " + text(addr["suffix"]), "")).to_numpy()
    final = Path(path)
    pages = 0
    with atomic_path(final, overwrite=overwrite) as tmp, PdfPages(tmp) as pdf:
        fig = Figure(figsize=_A4)
        ax = fig.add_axes((0.05, 0.08, 0.9, 0.84))
        _draw_lines(ax, s_geoms, color="#777", linewidth=0.6)
        for cell, box in zip(grid["cell"], grid.geometry, strict=True):
            xy = shapely.get_coordinates(box.exterior)
            ax.plot(xy[:, 0], xy[:, 1], color="#c33", linewidth=0.8)
            c = box.centroid
            ax.text(c.x, c.y, cell, ha="center", va="center", fontsize=9, color="#c33",
                    weight="bold")
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.suptitle(f"{word('index_page', lang)} — {word('commune_of', lang)} "
                     f"{s.commune_name} ({s.grid_cell_m:g} m)")
        pdf.savefig(fig)
        pages += 1
        for cell, box in zip(grid["cell"], grid.geometry, strict=True):
            fig = Figure(figsize=_A4)
            ax = fig.add_axes((0.05, 0.08, 0.9, 0.84))
            minx, miny, maxx, maxy = box.bounds
            hit = s_tree.query(box, predicate="intersects")
            clipped = shapely.intersection(s_geoms[hit], box)
            _draw_lines(ax, clipped, color="#999", linewidth=3)
            for g, code, name in zip(clipped, codes[hit], names[hit], strict=True):
                if shapely.is_empty(g):
                    continue
                p = shapely.point_on_surface(g)
                ax.text(p.x, p.y, f"{code} {name}".strip(), fontsize=7, color="#036",
                        ha="center", va="bottom")
            near = a_tree.query(box, predicate="intersects")
            if len(near):
                xy = shapely.get_coordinates(a_geoms[near])
                ax.plot(xy[:, 0], xy[:, 1], "o", markersize=1.5, color="#333")
                for (x, y), n in zip(xy, numbers[near], strict=True):
                    ax.text(x, y, str(n), fontsize=4, ha="left", va="bottom")
            ax.set_xlim(minx, maxx)
            ax.set_ylim(miny, maxy)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            fig.suptitle(f"{word('sheet', lang)} {cell} — {s.commune_name}")
            pdf.savefig(fig)
            pages += 1
    logger.info("wrote atlas %s (%d pages)", final, pages)
    return pages
