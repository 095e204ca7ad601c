"""Address certificates (certificats d'adressage): printable HTML pages for residents.

Each certificate has the commune's heading, a certificate number, the address, its Plus Code
(full and short), a small map extract (inline SVG drawn from the register: streets, building
footprints, the certified building outlined in red), a QR code of the Plus Code and a block for
the signature and stamp. Only addresses in force are certified by default: ``current`` ones,
and only official ones once the register has official addresses. All user text is
HTML-escaped. Print to PDF from any browser (one certificate per page).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
import shapely

from parakou_geo._errors import InputError
from parakou_geo.exports._input import (
    RegisterSource,
    load_register,
    read_footprints,
    select_addresses,
    text,
)
from parakou_geo.exports._words import Language, header, status_word, word
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.pluscodes import plus_codes, short_plus_codes
from parakou_geo.register import Register, atomic_path

__all__ = ["certificate_html", "certificate_number", "write_certificates"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_EXTRACT_M = 160.0
_SVG_PX = 320.0


def _qr_svg(data: str) -> str:
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg: str = img.to_string(encoding="unicode")
    return svg


class _Extract:
    """Street and address geometries with their spatial indexes, built once per document."""

    def __init__(self, register: Register, footprints: Any = None) -> None:
        self.streets = np.asarray(register.streets.geometry.array)
        if footprints is not None and len(footprints):
            self.buildings = np.asarray(footprints.geometry.array)
            self.building_ids = text(footprints["building_id"]).to_numpy(dtype=str)
        else:
            self.buildings = np.zeros(0, dtype=object)
            self.building_ids = np.zeros(0, dtype=str)
        self.building_tree = shapely.STRtree(self.buildings)
        self.codes = text(register.streets["street_code"]).to_numpy(dtype=str)
        self.street_tree = shapely.STRtree(self.streets)
        self.addresses = np.asarray(register.addresses.geometry.array)
        self.address_tree = shapely.STRtree(self.addresses)


def _map_svg(extract: _Extract, x: float, y: float, building_id: str = "") -> str:
    half = _EXTRACT_M / 2
    box = shapely.box(x - half, y - half, x + half, y + half)
    scale = _SVG_PX / _EXTRACT_M

    def px(coords: np.ndarray) -> str:
        sx = (coords[:, 0] - (x - half)) * scale
        sy = ((y + half) - coords[:, 1]) * scale
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx, sy, strict=True))

    parts: list[str] = []
    for k in extract.building_tree.query(box, predicate="intersects"):
        own = extract.building_ids[k] == building_id
        for poly in shapely.get_parts(shapely.intersection(extract.buildings[k], box)):
            if shapely.get_dimensions(poly) != 2:
                continue
            ring = shapely.get_coordinates(shapely.get_exterior_ring(poly))
            style = ('fill="#f4c7c3" stroke="#c00" stroke-width="2"' if own
                     else 'fill="#ddd" stroke="#999" stroke-width="0.8"')
            parts.append(f'<polygon points="{px(ring)}" {style}/>')
    geoms = extract.streets
    hit = extract.street_tree.query(box, predicate="intersects")
    for i in hit:
        clipped = shapely.intersection(geoms[i], box)
        for line in shapely.get_parts(shapely.line_merge(clipped)):
            if line.geom_type != "LineString":
                continue
            coords = shapely.get_coordinates(line)
            parts.append(f'<polyline points="{px(coords)}" fill="none" stroke="#888" '
                         'stroke-width="7" stroke-linecap="round"/>')
            mid = shapely.get_coordinates(shapely.line_interpolate_point(line, 0.5,
                                                                         normalized=True))
            parts.append(f'<text x="{(mid[0, 0] - (x - half)) * scale:.1f}" '
                         f'y="{((y + half) - mid[0, 1]) * scale:.1f}" font-size="10" '
                         f'fill="#000">{html.escape(str(extract.codes[i]))}</text>')
    a_geoms = extract.addresses
    near = extract.address_tree.query(box, predicate="intersects")
    for j in near:
        coords = shapely.get_coordinates(a_geoms[j])
        (sx, sy) = ((coords[0, 0] - (x - half)) * scale, ((y + half) - coords[0, 1]) * scale)
        parts.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="2" fill="#555"/>')
    cx, cy = half * scale, half * scale
    parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="none" stroke="#c00" '
                 'stroke-width="3"/>')
    bar = 50 * scale
    parts.append(f'<line x1="10" y1="{_SVG_PX - 10}" x2="{10 + bar:.1f}" y2="{_SVG_PX - 10}" '
                 'stroke="#000" stroke-width="2"/>'
                 f'<text x="10" y="{_SVG_PX - 14}" font-size="10">50 m</text>')
    n = _SVG_PX - 22  # north arrow, top right
    parts.append(f'<path d="M{n:.0f},30 L{n + 7:.0f},14 L{n + 14:.0f},30 L{n + 7:.0f},25 Z" '
                 f'fill="#000"/><text x="{n + 3:.0f}" y="44" font-size="11">N</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SVG_PX:.0f}" '
            f'height="{_SVG_PX:.0f}" viewBox="0 0 {_SVG_PX:.0f} {_SVG_PX:.0f}" '
            'style="border:1px solid #999;background:#fafafa">' + "".join(parts) + "</svg>")


def certificate_number(address_id: str, issued: dt.date) -> str:
    """Return the certificate number: year of issue and the first 8 hex digits of the address id.

    The same address certified the same year always gets the same number, so a number on
    paper leads back to its address in the register.

    Examples
    --------
    >>> certificate_number("3f1d2c8e-5b7a-4e39-9a41-6c0d8f2b7e15", dt.date(2026, 3, 1))
    '2026-3F1D2C8E'
    """
    return f"{issued.year}-{address_id.replace('-', '')[:8].upper()}"


def _one(extract: _Extract, row: dict[Hashable, Any], s: ExportSettings, lang: Language,
         issued: dt.date) -> str:
    esc = html.escape
    code = str(row["plus_code"])
    number = certificate_number(str(row["address_id"]), issued)
    fields = [
        (header("street_code", lang), row["street_code"]),
        (header("street_name", lang), row["street_name"]),
        (header("quartier", lang), row["quartier"]),
        (header("zone", lang), row["zone"]),
        (header("building_id", lang), row["building_id"]),
        *[(header(c, lang), row[c]) for c in s.parcel_columns if c in row],
        (header("plus_code", lang), code),
        (header("plus_code_short", lang), row["plus_code_short"]),
        (header("status", lang), status_word(str(row["status"]), lang)),
    ]
    rows = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>"
                   for k, v in fields if str(v))
    return f"""<section class="certificate">
<header><p>{esc(word('republic', lang))}<br>{esc(word('department', lang))}<br>
<strong>{esc(word('commune_of', lang))} {esc(s.commune_name)}</strong></p></header>
<h1>{esc(word('certificate', lang))}</h1>
<p class="number">{esc(word('certificate_no', lang))} {esc(number)}</p>
<p>{esc(word('certifies', lang))}</p>
<p class="address">{esc(str(row['label']))}</p>
<table>{rows}</table>
<div class="figures">
<figure>{_map_svg(extract, float(row['_x']), float(row['_y']), str(row['building_id']))}
<figcaption>{esc(word('map_extract', lang))}</figcaption></figure>
<figure class="qr">{_qr_svg(code)}<figcaption>{esc(word('qr_caption', lang))}: {esc(code)}
</figcaption></figure>
</div>
<div class="signature">
<p>{esc(word('delivered_on', lang))} {issued.isoformat()}<br>{esc(word('signatory', lang))}</p>
<div class="stamp">{esc(word('signature_stamp', lang))}</div>
</div>
</section>"""


def certificate_html(
    register: RegisterSource,
    *,
    address_ids: Iterable[str] | None = None,
    street_code: str | None = None,
    statuses: Iterable[str] | None = ("current",),
    official_only: bool | None = None,
    settings: ExportSettings | None = None,
    issued: dt.date | None = None,
) -> str:
    """Return a printable HTML document of certificates, one page per address.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    address_ids : iterable of str, optional
        The ``address_id`` (or ``label``) of each address to certify.
    street_code : str, optional
        Certify every address of this street instead (in number order).
    statuses : iterable of str, optional
        Statuses that may be certified (default ``current`` only: a ``proposed`` address may
        still change; ``None`` for any).
    official_only : bool, optional
        Certify only official addresses. Default: yes once the register has official
        addresses (validated with ``--official``), no before.
    settings : ExportSettings, optional
        Language, commune name, parcel columns, Plus Code locality.
    issued : datetime.date, optional
        Issue date printed (default today).

    Returns
    -------
    str
        A complete HTML document.

    Raises
    ------
    InputError
        When neither or both of ``address_ids`` and ``street_code`` are given, or an id
        or code matches no address.
    """
    s = settings or ExportSettings()
    lang: Language = s.language  # type: ignore[assignment]
    if (address_ids is None) == (street_code is None):
        raise InputError("give either address_ids (one or more addresses) or street_code "
                         "(a whole street), not both and not neither")
    statuses = tuple(statuses) if statuses is not None else None
    reg = load_register(register)
    addr = select_addresses(reg, statuses=statuses)
    is_official = (reg.addresses["official"].astype("boolean").fillna(False)
                   if "official" in reg.addresses.columns
                   else pd.Series(False, index=reg.addresses.index))
    if official_only is None:
        official_only = bool(is_official.any())
    if official_only:
        addr = addr.loc[is_official.reindex(addr.index).fillna(False).to_numpy(bool)]
    if street_code is not None:
        chosen = addr.loc[text(addr["street_code"]).to_numpy() == street_code]
        if chosen.empty:
            raise InputError(f"street_code {street_code!r} has no "
                             f"{'official ' if official_only else ''}address of status "
                             f"{', '.join(statuses or ['any'])}; check the code (e.g. 2.045)")
        chosen = chosen.iloc[np.lexsort((text(chosen["suffix"]).to_numpy(dtype=str),
                                         pd.to_numeric(chosen["number"]).to_numpy()))]
    else:
        wanted = [str(a) for a in address_ids or []]
        ids, labels = text(addr["address_id"]), text(addr["label"])
        missing = [a for a in wanted if a not in set(ids) and a not in set(labels)]
        if missing or not wanted:
            everything = reg.addresses
            status_of = dict(zip(text(everything["address_id"]), text(everything["status"]),
                                 strict=True))
            status_of.update(zip(text(everything["label"]), text(everything["status"]),
                                 strict=True))
            official_of = dict(zip(text(everything["address_id"]), is_official, strict=True))
            official_of.update(zip(text(everything["label"]), is_official, strict=True))
            raise InputError(
                [f"address {a!r} is not official yet: once the register has official "
                 "addresses, only those are certified (validate it with --official, or pass "
                 "official_only=False)"
                 if a in status_of and status_of[a] in (statuses or [status_of[a]])
                 and official_only and not official_of[a] else
                 f"address {a!r} has status {status_of[a]!r}: only "
                 f"{' or '.join(statuses or [])} addresses are certified (validate it first "
                 "with `parakou-geo validate`, or pass statuses including it)"
                 if a in status_of else
                 f"address {a!r} is not in the register (give an address_id or a label such "
                 "as '12 bis Rue 2.045')" for a in missing] or ["address_ids is empty"])
        pos = {a: i for i, a in enumerate(wanted)}
        key = ids.map(pos).fillna(labels.map(pos))
        chosen = addr.loc[key.notna().to_numpy()]
        chosen = chosen.iloc[np.argsort(key.dropna().to_numpy(), kind="stable")]
    lonlat = chosen.geometry.to_crs(4326)
    codes = plus_codes(lonlat.x.to_numpy(), lonlat.y.to_numpy())
    table = pd.DataFrame({c: text(chosen[c]) for c in
                          ("address_id", "label", "street_code", "street_name", "quartier",
                           "zone", "building_id", "status")})
    for c in s.parcel_columns:
        if c in chosen.columns:
            table[c] = text(chosen[c])
    table["plus_code"] = codes
    table["plus_code_short"] = short_plus_codes(codes, reference_lonlat=s.reference_lonlat,
                                                locality=s.locality)
    table["_x"] = chosen.geometry.x.to_numpy()
    table["_y"] = chosen.geometry.y.to_numpy()
    day = issued or dt.date.today()
    footprints = reg.buildings if reg.buildings is not None else read_footprints(register)
    extract = _Extract(reg, footprints)
    pages = "\n".join(_one(extract, row, s, lang, day)
                      for row in table.to_dict(orient="records"))
    title = html.escape(f"{word('certificate', lang)} — {s.commune_name}")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: 1.5cm; }}
body {{ font-family: serif; margin: 0; }}
.certificate {{ padding: 0; break-inside: avoid; }}
.certificate + .certificate {{ break-before: page; }}
header {{ text-align: center; }} h1 {{ text-align: center; margin: 0.3em 0; }}
p {{ margin: 0.4em 0; }}
.address {{ font-size: 20pt; font-weight: bold; text-align: center; }}
table {{ margin: 1em auto; }} th {{ text-align: left; padding-right: 1em; }}
.figures {{ display: flex; justify-content: space-around; align-items: center; }}
.qr svg {{ width: 150px; height: 150px; }}
.number {{ text-align: center; font-weight: bold; }}
.signature {{ display: flex; justify-content: space-between; align-items: flex-start;
  margin-top: 0.8em; }}
.stamp {{ width: 6cm; height: 2.5cm; border: 1px dashed #666; color: #666;
  display: flex; align-items: flex-end; justify-content: center; font-size: 10pt; }}
</style></head><body>
{pages}
</body></html>
"""


def write_certificates(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    address_ids: Iterable[str] | None = None,
    street_code: str | None = None,
    statuses: Iterable[str] | None = ("current",),
    official_only: bool | None = None,
    settings: ExportSettings | None = None,
    issued: dt.date | None = None,
    overwrite: bool = False,
) -> Path:
    """Write certificates to a printable HTML file (see :func:`certificate_html`).

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The ``.html`` file.
    address_ids, street_code, statuses, official_only, settings, issued
        See :func:`certificate_html`.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    doc = certificate_html(register, address_ids=address_ids, street_code=street_code,
                           statuses=statuses, official_only=official_only, settings=settings,
                           issued=issued)
    final = Path(path)
    with atomic_path(final, overwrite=overwrite) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    return final
