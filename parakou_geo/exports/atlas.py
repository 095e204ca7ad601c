"""Map sheets: a PDF atlas with an index page and one page per reference-grid cell.

Each page shows the building footprints, the streets of its cell labelled by code (and name,
along the street) and the address points with their numbers, a scale bar, a north arrow and a
legend; the index page shows the whole addressed area with the grid and cell labels. Labels
never overlap one another and never run past the frame: street labels are placed first, then
door numbers where there is room (:func:`place_labels`). Drawn with matplotlib's object API
(no global pyplot state).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from parakou_geo.exports._input import (
    RegisterSource,
    load_register,
    read_footprints,
    select_addresses,
    text,
)
from parakou_geo.exports._words import Language, word
from parakou_geo.exports.grid import reference_grid
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.register import atomic_path

__all__ = ["place_labels", "write_atlas"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_A4 = (8.27, 11.69)
_AXES = (0.05, 0.1, 0.9, 0.82)  # left, bottom, width, height (figure fraction)
_CHAR_W = 0.6  # average character width, in font sizes
_STREET_PT = 7.0
_NUMBER_PT = 4.5


def place_labels(
    x: np.ndarray, y: np.ndarray, texts: np.ndarray, *, fontsize_pt: float,
    metres_per_pt: float, frame: tuple[float, float, float, float],
    taken: list[tuple[float, float, float, float]] | None = None,
    angles_deg: np.ndarray | None = None, centred: bool = False,
) -> np.ndarray:
    """Return which labels to draw so that none overlaps another or leaves the frame.

    Labels are tried in the given order (put the important ones first); a label is kept when
    its box (text width × height, in metres at the page scale, turned by its angle) lies
    inside ``frame`` and overlaps no box kept before, including ``taken`` (which is extended).

    Parameters
    ----------
    x, y : numpy.ndarray
        Anchor of each label (metres, EPSG:32631): its left end, or its centre when
        ``centred``.
    texts : numpy.ndarray of str
        The labels.
    fontsize_pt : float
        Font size (points).
    metres_per_pt : float
        Ground metres per point of paper at the page scale.
    frame : tuple of float
        ``(minx, miny, maxx, maxy)`` of the map frame (metres).
    taken : list of tuple, optional
        Boxes already used (shapely polygons' bounds are not enough for turned labels, so
        boxes are kept as polygons internally; this list receives their bounds).
    angles_deg : numpy.ndarray, optional
        Angle of each label (degrees, counter-clockwise).
    centred : bool
        Anchor at the label's centre instead of its left end.

    Returns
    -------
    numpy.ndarray of bool
        True for the labels to draw.

    Examples
    --------
    >>> keep = place_labels(np.array([0.0, 1.0, 50.0]), np.zeros(3),
    ...                     np.array(["12", "14", "16"]), fontsize_pt=5, metres_per_pt=1.0,
    ...                     frame=(-10, -10, 100, 100))
    >>> keep.tolist()  # "14" would sit on "12"
    [True, False, True]
    """
    box_frame = shapely.box(*frame)
    h = fontsize_pt * metres_per_pt
    kept: list[shapely.Geometry] = []
    if taken:
        kept += [shapely.box(*b) for b in taken]
    keep = np.zeros(len(texts), dtype=bool)
    angles = np.zeros(len(texts)) if angles_deg is None else np.asarray(angles_deg, float)
    for i, (px, py, t, a) in enumerate(zip(x, y, texts, angles, strict=True)):
        w = len(str(t)) * _CHAR_W * fontsize_pt * metres_per_pt
        x0 = px - w / 2 if centred else px
        box = shapely.box(x0, py, x0 + w, py + h)
        if a:
            from shapely import affinity

            box = affinity.rotate(box, a, origin=(px, py))
        if not box_frame.contains(box):
            continue
        if any(box.intersects(k) for k in kept):
            continue
        kept.append(box)
        keep[i] = True
        if taken is not None:
            taken.append(box.bounds)
    return keep


def _label_angle(line: shapely.Geometry, point: shapely.Geometry) -> float:
    """Return the angle (degrees, readable: -90 to 90) of ``line`` at ``point``."""
    d = shapely.line_locate_point(line, point)
    a = shapely.line_interpolate_point(line, max(d - 5.0, 0.0))
    b = shapely.line_interpolate_point(line, d + 5.0)
    ang = float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x)))
    if ang > 90:
        ang -= 180
    elif ang <= -90:
        ang += 180
    return ang


def _nice_length(m: float) -> float:
    """Return the largest 1, 2 or 5 × 10^k metres not above ``m``."""
    k = 10 ** np.floor(np.log10(m))
    return float(max(f * k for f in (1, 2, 5) if f * k <= m))


def _furniture(ax: object, fig: Figure, box: tuple[float, float, float, float],
               lang: Language) -> None:
    """Scale bar (bottom left), north arrow (top right) and legend (below the frame)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    minx, miny, maxx, maxy = box
    width = maxx - minx
    bar = _nice_length(width / 4)
    x0, y0 = minx + width * 0.04, miny + (maxy - miny) * 0.03
    a: Any = ax
    a.plot([x0, x0 + bar], [y0, y0], color="#000", linewidth=3, solid_capstyle="butt",
           zorder=5)
    a.plot([x0, x0 + bar / 2], [y0, y0], color="#fff", linewidth=1.5, solid_capstyle="butt",
           zorder=6)
    label = f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m"
    for x, t in ((x0, "0"), (x0 + bar, label)):
        a.text(x, y0 + (maxy - miny) * 0.008, t, fontsize=7, ha="center", va="bottom",
               zorder=6, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8,
                               "pad": 1})
    a.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.89), xycoords="axes fraction",
               ha="center", va="center", fontsize=10, weight="bold",
               arrowprops={"facecolor": "black", "width": 3, "headwidth": 9}, zorder=6)
    handles = [
        Patch(facecolor="#e3e3e3", edgecolor="#aaa", label=word("legend_building", lang)),
        Line2D([], [], color="#999", linewidth=3, label=word("legend_street", lang)),
        Line2D([], [], marker="o", linestyle="", markersize=3, color="#333",
               label=word("legend_address", lang)),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False,
               title=word("legend", lang), title_fontsize=8, bbox_to_anchor=(0.5, 0.01))


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
    footprints = reg.buildings if reg.buildings is not None else read_footprints(register)
    b_geoms = (np.asarray(footprints.geometry.array) if footprints is not None
               else np.zeros(0, dtype=object))
    b_geoms = b_geoms[shapely.get_dimensions(b_geoms) == 2] if len(b_geoms) else b_geoms
    b_tree = shapely.STRtree(b_geoms)
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
            ax = fig.add_axes(_AXES)
            minx, miny, maxx, maxy = box.bounds
            # the frame is the cell, enlarged to the axes' shape (equal scales)
            axes_w_pt = _A4[0] * _AXES[2] * 72
            axes_h_pt = _A4[1] * _AXES[3] * 72
            m_per_pt = max((maxx - minx) / axes_w_pt, (maxy - miny) / axes_h_pt)
            cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
            frame = (cx - axes_w_pt * m_per_pt / 2, cy - axes_h_pt * m_per_pt / 2,
                     cx + axes_w_pt * m_per_pt / 2, cy + axes_h_pt * m_per_pt / 2)
            view = shapely.box(*frame)
            for g in b_geoms[b_tree.query(view, predicate="intersects")]:
                for poly in shapely.get_parts(g):
                    xy = shapely.get_coordinates(shapely.get_exterior_ring(poly))
                    ax.fill(xy[:, 0], xy[:, 1], facecolor="#e3e3e3", edgecolor="#aaa",
                            linewidth=0.3, zorder=1)
            hit = s_tree.query(view, predicate="intersects")
            clipped = shapely.intersection(s_geoms[hit], view)
            _draw_lines(ax, clipped, color="#999", linewidth=3, zorder=2)
            taken: list[tuple[float, float, float, float]] = []
            # street labels first, along the street, at the middle of its longest piece
            lx, ly, lt, la = [], [], [], []
            for g, code, name in zip(clipped, codes[hit], names[hit], strict=True):
                if shapely.is_empty(g):
                    continue
                parts = shapely.get_parts(shapely.line_merge(g))
                parts = parts[shapely.get_type_id(parts) == 1]
                if len(parts) == 0:
                    continue
                line = parts[int(np.argmax(shapely.length(parts)))]
                p = shapely.line_interpolate_point(line, 0.5, normalized=True)
                lx.append(p.x)
                ly.append(p.y)
                lt.append(f"{code} {name}".strip())
                la.append(_label_angle(line, p))
            order = np.argsort([-len(t) for t in lt], kind="stable")
            xs, ys = np.asarray(lx)[order], np.asarray(ly)[order]
            ts, angs = np.asarray(lt, dtype=object)[order], np.asarray(la)[order]
            keep = place_labels(xs, ys, ts, fontsize_pt=_STREET_PT, metres_per_pt=m_per_pt,
                                frame=frame, taken=taken, angles_deg=angs, centred=True)
            for x, y, t, a in zip(xs[keep], ys[keep], ts[keep], angs[keep], strict=True):
                ax.text(x, y, t, fontsize=_STREET_PT, color="#036", ha="center",
                        va="bottom", rotation=a, rotation_mode="anchor", zorder=4,
                        clip_on=True)
            near = a_tree.query(view, predicate="intersects")
            if len(near):
                xy = shapely.get_coordinates(a_geoms[near])
                ax.plot(xy[:, 0], xy[:, 1], "o", markersize=1.5, color="#333", zorder=3)
                keep = place_labels(xy[:, 0] + m_per_pt, xy[:, 1], numbers[near],
                                    fontsize_pt=_NUMBER_PT, metres_per_pt=m_per_pt,
                                    frame=frame, taken=taken)
                for (x, y), n in zip(xy[keep], numbers[near][keep], strict=True):
                    ax.text(x + m_per_pt, y, str(n), fontsize=_NUMBER_PT, ha="left",
                            va="bottom", zorder=4, clip_on=True)
            cell_xy = shapely.get_coordinates(box.exterior)
            ax.plot(cell_xy[:, 0], cell_xy[:, 1], color="#c33", linewidth=0.8,
                    linestyle="--", zorder=3)
            ax.set_xlim(frame[0], frame[2])
            ax.set_ylim(frame[1], frame[3])
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            _furniture(ax, fig, frame, lang)
            fig.suptitle(f"{word('sheet', lang)} {cell} — {s.commune_name}")
            pdf.savefig(fig)
            pages += 1
    logger.info("wrote atlas %s (%d pages)", final, pages)
    return pages
