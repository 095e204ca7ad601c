"""Address certificates (certificats d'adressage): printable HTML pages for residents.

Each certificate has the commune's heading, the address, its Plus Code (full and short), a
small map extract (inline SVG drawn from the register) and a QR code of the Plus Code. All
user text is HTML-escaped. Print to PDF from any browser (one certificate per page).
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
from parakou_geo.exports._input import RegisterSource, load_register, select_addresses, text
from parakou_geo.exports._words import Language, header, status_word, word
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.pluscodes import plus_codes, short_plus_codes
from parakou_geo.register import Register, atomic_path

__all__ = ["certificate_html", "write_certificates"]

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

    def __init__(self, register: Register) -> None:
        self.streets = np.asarray(register.streets.geometry.array)
        self.codes = text(register.streets["street_code"]).to_numpy(dtype=str)
        self.street_tree = shapely.STRtree(self.streets)
        self.addresses = np.asarray(register.addresses.geometry.array)
        self.address_tree = shapely.STRtree(self.addresses)


def _map_svg(extract: _Extract, x: float, y: float) -> str:
    half = _EXTRACT_M / 2
    box = shapely.box(x - half, y - half, x + half, y + half)
    scale = _SVG_PX / _EXTRACT_M

    def px(coords: np.ndarray) -> str:
        sx = (coords[:, 0] - (x - half)) * scale
        sy = ((y + half) - coords[:, 1]) * scale
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx, sy, strict=True))

    parts: list[str] = []
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
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SVG_PX:.0f}" '
            f'height="{_SVG_PX:.0f}" viewBox="0 0 {_SVG_PX:.0f} {_SVG_PX:.0f}" '
            'style="border:1px solid #999;background:#fafafa">' + "".join(parts) + "</svg>")


def _one(extract: _Extract, row: dict[Hashable, Any], s: ExportSettings, lang: Language,
         issued: dt.date) -> str:
    esc = html.escape
    code = str(row["plus_code"])
    fields = [
        (header("street_code", lang), row["street_code"]),
        (header("street_name", lang), row["street_name"]),
        (header("quartier", lang), row["quartier"]),
        (header("zone", lang), row["zone"]),
        (header("building_id", lang), row["building_id"]),
        *[(c, row[c]) for c in s.parcel_columns if c in row],
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
<p>{esc(word('certifies', lang))}</p>
<p class="address">{esc(str(row['label']))}</p>
<table>{rows}</table>
<div class="figures">
<figure>{_map_svg(extract, float(row['_x']), float(row['_y']))}
<figcaption>{esc(word('map_extract', lang))}</figcaption></figure>
<figure class="qr">{_qr_svg(code)}<figcaption>{esc(word('qr_caption', lang))}: {esc(code)}
</figcaption></figure>
</div>
<p>{esc(word('delivered_on', lang))} {issued.isoformat()}</p>
</section>"""


def certificate_html(
    register: RegisterSource,
    *,
    address_ids: Iterable[str] | None = None,
    street_code: str | None = None,
    statuses: Iterable[str] | None = ("proposed", "current"),
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
        Statuses that may be certified (default proposed and current).
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
    reg = load_register(register)
    addr = select_addresses(reg, statuses=statuses)
    if street_code is not None:
        chosen = addr.loc[text(addr["street_code"]).to_numpy() == street_code]
        if chosen.empty:
            raise InputError(f"street_code {street_code!r} has no address of status "
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
            raise InputError(
                [f"address {a!r} has status {status_of[a]!r}; pass statuses including it to "
                 "certify it" if a in status_of else
                 f"address {a!r} is not in the register (give an address_id or a label such "
                 "as '12 bis Rue 2.045')" for a in missing] or ["address_ids is empty"])
        pos = {a: i for i, a in enumerate(wanted)}
        key = ids.map(pos).fillna(labels.map(pos))
        chosen = addr.loc[key.notna().to_numpy()]
        chosen = chosen.iloc[np.argsort(key.dropna().to_numpy(), kind="stable")]
    lonlat = chosen.geometry.to_crs(4326)
    codes = plus_codes(lonlat.x.to_numpy(), lonlat.y.to_numpy())
    table = pd.DataFrame({c: text(chosen[c]) for c in
                          ("label", "street_code", "street_name", "quartier", "zone",
                           "building_id", "status")})
    for c in s.parcel_columns:
        if c in chosen.columns:
            table[c] = text(chosen[c])
    table["plus_code"] = codes
    table["plus_code_short"] = short_plus_codes(codes, reference_lonlat=s.reference_lonlat,
                                                locality=s.locality)
    table["_x"] = chosen.geometry.x.to_numpy()
    table["_y"] = chosen.geometry.y.to_numpy()
    day = issued or dt.date.today()
    extract = _Extract(reg)
    pages = "\n".join(_one(extract, row, s, lang, day)
                      for row in table.to_dict(orient="records"))
    title = html.escape(f"{word('certificate', lang)} — {s.commune_name}")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: serif; margin: 0; }}
.certificate {{ page-break-after: always; padding: 2cm; }}
header {{ text-align: center; }} h1 {{ text-align: center; }}
.address {{ font-size: 20pt; font-weight: bold; text-align: center; }}
table {{ margin: 1em auto; }} th {{ text-align: left; padding-right: 1em; }}
.figures {{ display: flex; justify-content: space-around; align-items: center; }}
.qr svg {{ width: 150px; height: 150px; }}
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
    statuses: Iterable[str] | None = ("proposed", "current"),
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
    address_ids, street_code, statuses, settings, issued
        See :func:`certificate_html`.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    doc = certificate_html(register, address_ids=address_ids, street_code=street_code,
                           statuses=statuses, settings=settings, issued=issued)
    final = Path(path)
    with atomic_path(final, overwrite=overwrite) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    return final
