"""Generator of the adversarial input suite: bad and edge inputs, each with its expected outcome.

Each :class:`Case` writes its input files into a folder and returns the command line to run.
Expected outcomes:

- ``"error"``: a clear message (exit code 2), no output file, every input intact; a refused
  change leaves the register byte-identical;
- ``"warning"``: the command succeeds (exit 0) and says what it noticed (``match``);
- ``"ok"``: the command succeeds.

Run ``python tests/adversarial/cases.py OUTDIR`` to write every case's inputs and command line
to a folder, to try them by hand; ``test_adversarial.py`` runs them all.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import lines, lonlat, shift, squares

Outcome = Literal["error", "warning", "ok"]

GRID = [[(0, 0), (400, 0)], [(0, 150), (400, 150)], [(0, 0), (0, 150)],
        [(200, 0), (200, 150)], [(400, 0), (400, 150)]]
NAMES = ["Rue Sud", "Rue Nord", "Rue Ouest", "Rue Milieu", "Rue Est"]
DOORS = [(20 + 30 * i, 8) for i in range(12)] + [(20 + 30 * i, 142) for i in range(12)]
CENTRE = lonlat((-500, -500))


@dataclass
class Case:
    """One adversarial input.

    Attributes
    ----------
    name : str
        Unique id.
    build : callable
        Writes the inputs into a folder and returns the command line (without ``-q``).
    expect : {"error", "warning", "ok"}
        The expected outcome.
    match : str
        Text the message (error) or output (warning) must contain, case-insensitive.
    outputs : tuple of str
        Output files (relative to the folder) that must not exist after an error.
    register : str or None
        A register the command must leave byte-identical when it refuses.
    """

    name: str
    build: Callable[[Path], list[str]]
    expect: Outcome
    match: str = ""
    outputs: tuple[str, ...] = ("out.gpkg", "out_addresses.csv")
    register: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


# --- base inputs ---------------------------------------------------------------------------

def roads() -> gpd.GeoDataFrame:
    return lines(*GRID, names=NAMES)


def buildings() -> gpd.GeoDataFrame:
    return squares(DOORS)


def zones() -> gpd.GeoDataFrame:
    west = shapely.box(*shift((-50, -50)), *shift((200, 200)))
    east = shapely.box(*shift((200, -50)), *shift((450, 200)))
    return gpd.GeoDataFrame({"arr_num": [1, 2]}, geometry=[west, east], crs=32631)


def quartiers() -> gpd.GeoDataFrame:
    south = shapely.box(*shift((-50, -50)), *shift((450, 75)))
    north = shapely.box(*shift((-50, 75)), *shift((450, 200)))
    return gpd.GeoDataFrame({"quartier": ["Zongo", "Banikanni"]}, geometry=[south, north],
                            crs=32631)


SETTINGS_TOML = f"[addressing]\ncentre = [{CENTRE[0]!r}, {CENTRE[1]!r}]\n"


def _write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    gdf.to_file(path)
    return path


def _settings(d: Path, text: str = SETTINGS_TOML) -> Path:
    p = d / "settings.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _address_args(d: Path, *, r: Path | None = None, b: Path | None = None,
                  extra: tuple[str, ...] = (), settings: Path | None = None) -> list[str]:
    r = r or _write(roads(), d / "roads.gpkg")
    b = b or _write(buildings(), d / "buildings.gpkg")
    s = settings or _settings(d)
    return ["address", "--roads", str(r), "--buildings", str(b), "--settings", str(s),
            "-o", str(d / "out.gpkg"), *extra]


_REGISTER_CACHE: dict[str, bytes] = {}


def register(d: Path, ids: list[object] | None = None) -> Path:
    """Write the base register (24 addresses) into ``d`` (built once, then copied)."""
    target = d / "register.gpkg"
    key = repr(ids)
    if key not in _REGISTER_CACHE:
        from parakou_geo import AddressingSettings, address, write_register

        bld = buildings() if ids is None else buildings().assign(building_id=ids)
        res = address(roads(), bld, settings=AddressingSettings(centre=CENTRE))
        tmp = d / "base_register.gpkg"
        write_register(res.register, tmp)
        _REGISTER_CACHE[key] = tmp.read_bytes()
        tmp.unlink()
    target.write_bytes(_REGISTER_CACHE[key])
    return target


def _update_args(d: Path, *, r: Path | None = None, b: Path | None = None,
                 extra: tuple[str, ...] = (), reg: Path | None = None) -> list[str]:
    reg = reg or register(d)
    r = r or _write(roads(), d / "roads.gpkg")
    b = b or _write(buildings(), d / "buildings.gpkg")
    return ["update", str(reg), "--roads", str(r), "--buildings", str(b),
            "--changes", str(d / "changes.csv"), *extra]


def _codes(reg: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(reg)) as con:
        return [r[0] for r in con.execute(
            "SELECT street_code FROM streets WHERE status = 'current' ORDER BY 1")]


def _address_ids(reg: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(reg)) as con:
        return [r[0] for r in con.execute("SELECT address_id FROM addresses ORDER BY 1")]


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _corrupt_blob(path: Path, table: str, fid: int = 1) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as con:
        col = con.execute("SELECT column_name FROM gpkg_geometry_columns").fetchone()[0]
        con.execute(f'DROP TRIGGER IF EXISTS "rtree_{table}_{col}_update6"')
        for trig in [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (table,))]:
            con.execute(f'DROP TRIGGER "{trig}"')
        con.execute(f'UPDATE "{table}" SET "{col}" = X\'4750000100000000DEADBEEF\' '
                    "WHERE fid = ?", (fid,))
        con.commit()
    return path


def _with_geoms(gdf: gpd.GeoDataFrame, geoms: list[object]) -> gpd.GeoDataFrame:
    return gdf.iloc[: len(geoms)].copy().set_geometry(
        gpd.GeoSeries(geoms, crs=gdf.crs).values)


def _far(gdf: gpd.GeoDataFrame, dx: float) -> gpd.GeoDataFrame:
    return gdf.set_geometry(gdf.translate(xoff=dx))


def _set_coord(gdf: gpd.GeoDataFrame, row: int, value: float) -> gpd.GeoDataFrame:
    out = gdf.copy()
    coords = shapely.get_coordinates(out.geometry.iloc[row])
    coords[1, 0] = value  # not the first point: a ring stays closed
    geom = out.geometry.iloc[row]
    new = shapely.LineString(coords) if geom.geom_type == "LineString" else \
        shapely.Polygon(coords)
    geoms = list(out.geometry)
    geoms[row] = new
    return out.set_geometry(gpd.GeoSeries(geoms, crs=gdf.crs).values)


def _put(path: Path, data: str | bytes) -> Path:
    """Write a file and return its path."""
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _names_csv(d: Path, text: str, name: str = "names.csv", encoding: str = "utf-8") -> Path:
    p = d / name
    p.write_bytes(text.encode(encoding))
    return p


def _shapefile(gdf: gpd.GeoDataFrame, d: Path, stem: str, drop: tuple[str, ...] = ()) -> Path:
    folder = d / f"{stem}_shp"
    folder.mkdir()
    path = folder / f"{stem}.shp"
    gdf.to_file(path)
    for ext in drop:
        (folder / f"{stem}{ext}").unlink()
    return path


# --- the cases -----------------------------------------------------------------------------

CASES: list[Case] = []


def case(name: str, expect: Outcome, match: str = "", **kw: object) -> Callable[
        [Callable[[Path], list[str]]], Callable[[Path], list[str]]]:
    def wrap(build: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
        CASES.append(Case(name, build, expect, match, **kw))  # type: ignore[arg-type]
        return build
    return wrap


def _roads_variant(name: str, expect: Outcome, match: str,
                   make: Callable[[Path], Path]) -> None:
    CASES.append(Case(f"roads-{name}", lambda d: _address_args(d, r=make(d)), expect, match))


def _buildings_variant(name: str, expect: Outcome, match: str,
                       make: Callable[[Path], Path]) -> None:
    CASES.append(Case(f"buildings-{name}", lambda d: _address_args(d, b=make(d)), expect,
                      match))


# valid baselines
CASES.append(Case("baseline-address", lambda d: _address_args(d), "ok"))
CASES.append(Case("baseline-zones-quartiers", lambda d: _address_args(d, extra=(
    "--zones", str(_write(zones(), d / "zones.gpkg")),
    "--quartiers", str(_write(quartiers(), d / "q.gpkg")))), "ok"))

# files that are not readable layers (roads and buildings alike)
for kind, variant in (("roads", _roads_variant), ("buildings", _buildings_variant)):
    variant("missing", "error", "not found", lambda d: d / "nope.gpkg")
    variant("zero-bytes", "error", "", lambda d: _put(d / "z.gpkg", b""))
    variant("garbage-gpkg", "error", "", lambda d: _put(d / "g.gpkg", os.urandom(3000)))
    variant("text-as-geojson", "error", "", lambda d: _put(d / "t.geojson", "not json at all"))
    variant("empty-featurecollection", "error", "empty", lambda d: _put(
        d / "e.geojson", json.dumps({"type": "FeatureCollection", "features": []})))
    variant("fifo", "error", "not a regular file", lambda d: _fifo(d / "pipe.gpkg"))
    variant("folder", "error", "folder", lambda d: _mkdir(d / "adir"))
    variant("csv-file", "error", "", lambda d: _put(d / "x.csv", "a,b\n1,2\n"))
    variant("truncated-gpkg", "error", "", lambda d, k=kind: _put(d / "tr.gpkg", _write(
        roads() if k == "roads" else buildings(), d / "full.gpkg").read_bytes()[:5000]))
    variant("no-dbf", "error", ".dbf", lambda d, k=kind: _shapefile(
        roads() if k == "roads" else buildings(), d, k, drop=(".dbf",)))
    variant("no-shx", "error", "", lambda d, k=kind: _shapefile(
        roads() if k == "roads" else buildings(), d, k, drop=(".shx",)))
    variant("no-prj", "error", "crs", lambda d, k=kind: _shapefile(
        roads() if k == "roads" else buildings(), d, k, drop=(".prj",)))

# roads geometry problems
_roads_variant("all-null", "error", "no feature has a geometry", lambda d: _write(
    roads().set_geometry(gpd.GeoSeries([None] * 5, crs=32631).values), d / "r.gpkg"))
_roads_variant("all-empty", "error", "", lambda d: _write(
    roads().set_geometry(gpd.GeoSeries([shapely.LineString()] * 5, crs=32631).values),
    d / "r.gpkg"))
_roads_variant("nan-coordinate", "error", "not finite", lambda d: _write(
    _set_coord(roads(), 1, np.nan), d / "r.gpkg"))
_roads_variant("inf-coordinate", "error", "not finite", lambda d: _write(
    _set_coord(roads(), 1, np.inf), d / "r.gpkg"))
_roads_variant("points", "error", "", lambda d: _write(
    roads().set_geometry(roads().centroid), d / "r.gpkg"))
_roads_variant("polygons", "error", "", lambda d: _write(
    roads().set_geometry(roads().buffer(2)), d / "r.gpkg"))
_roads_variant("lonlat-as-utm", "error", "", lambda d: _write(
    roads().to_crs(4326).set_crs(32631, allow_override=True), d / "r.gpkg"))
_roads_variant("far-from-buildings", "error", "far", lambda d: _write(
    _far(roads(), 5_000_000), d / "r.gpkg"))
_roads_variant("duplicate-ids", "warning", "duplicate", lambda d: _write(
    roads().assign(road_id="r1"), d / "r.gpkg"))
_roads_variant("in-lonlat", "ok", "", lambda d: _write(roads().to_crs(4326), d / "r.geojson"))
_roads_variant("zero-length-line", "ok", "", lambda d: _write(pd.concat([roads(), _with_geoms(
    roads(), [shapely.LineString([shift((5, 5)), shift((5, 5))])])], ignore_index=True),
    d / "r.gpkg"))
_roads_variant("self-crossing-line", "ok", "", lambda d: _write(pd.concat([roads(), _with_geoms(
    roads(), [shapely.LineString([shift((10, 10)), shift((60, 60)), shift((60, 10)),
                                  shift((10, 60))])])], ignore_index=True), d / "r.gpkg"))
_roads_variant("hostile-names", "ok", "", lambda d: _write(roads().assign(
    name=['=2+2', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1", "\t=x"]), d / "r.gpkg"))
_roads_variant("null-names", "ok", "", lambda d: _write(roads().assign(name=None),
                                                       d / "r.gpkg"))
_roads_variant("very-long-names", "ok", "", lambda d: _write(roads().assign(name="X" * 5000),
                                                            d / "r.gpkg"))
_roads_variant("multilines", "ok", "", lambda d: _write(roads().set_geometry(
    shapely.multilinestrings([[g] for g in roads().geometry])), d / "r.gpkg"))
_roads_variant("3d-lines", "ok", "", lambda d: _write(roads().set_geometry(
    shapely.force_3d(roads().geometry.values, 100.0)), d / "r.gpkg"))
_roads_variant("unicode-names", "ok", "", lambda d: _write(roads().assign(
    name=["Rue Ẹ̀kọ́", "Avenue 東京", "Rue \u200b", "Rue 😀", "Rue N'Dali"]), d / "r.gpkg"))
_roads_variant("one-road", "ok", "", lambda d: _write(roads().iloc[:1], d / "r.gpkg"))

# buildings geometry problems
_buildings_variant("all-null", "error", "no feature has a geometry", lambda d: _write(
    buildings().set_geometry(gpd.GeoSeries([None] * len(DOORS), crs=32631).values),
    d / "b.gpkg"))
_buildings_variant("all-empty", "error", "", lambda d: _write(buildings().set_geometry(
    gpd.GeoSeries([shapely.Polygon()] * len(DOORS), crs=32631).values), d / "b.gpkg"))
_buildings_variant("nan-coordinate", "error", "not finite", lambda d: _write(
    _set_coord(buildings(), 2, np.nan), d / "b.gpkg"))
_buildings_variant("inf-coordinate", "error", "not finite", lambda d: _write(
    _set_coord(buildings(), 2, np.inf), d / "b.gpkg"))
_buildings_variant("lines", "error", "", lambda d: _write(buildings().set_geometry(
    buildings().boundary), d / "b.gpkg"))
_buildings_variant("far-from-roads", "error", "far", lambda d: _write(
    _far(buildings(), 5_000_000), d / "b.gpkg"))
_buildings_variant("corrupt-blob", "warning", "could not be decoded", lambda d: _corrupt_blob(
    _write(buildings(), d / "b.gpkg"), "b"))
_buildings_variant("some-null", "warning", "empty geometries dropped", lambda d: _write(
    buildings().set_geometry(gpd.GeoSeries([None, *buildings().geometry.iloc[1:]],
                                           crs=32631).values), d / "b.gpkg"))
_buildings_variant("duplicate-ids", "error", "more than one feature", lambda d: _write(
    buildings().assign(building_id="B1"), d / "b.gpkg"))
_buildings_variant("null-ids", "error", "have no 'building_id'", lambda d: _write(
    buildings().assign(building_id=None), d / "b.gpkg"))
_buildings_variant("points", "ok", "", lambda d: _write(buildings().set_geometry(
    buildings().centroid), d / "b.gpkg"))
_buildings_variant("mixed-types", "ok", "", lambda d: _write(buildings().set_geometry(
    gpd.GeoSeries([*buildings().centroid.iloc[:5], *buildings().geometry.iloc[5:]],
                  crs=32631).values), d / "b.gpkg"))
_buildings_variant("bowtie", "ok", "", lambda d: _write(pd.concat([buildings(), _with_geoms(
    buildings(), [shapely.Polygon([shift((50, 20)), shift((54, 24)), shift((54, 20)),
                                   shift((50, 24))])]).assign(building_id="BT")],
    ignore_index=True), d / "b.gpkg"))
_buildings_variant("huge-polygon", "ok", "", lambda d: _write(pd.concat([buildings(),
    _with_geoms(buildings(), [shapely.box(*shift((-2000, -2000)), *shift((-1000, -1000)))])
    .assign(building_id="HUGE")], ignore_index=True), d / "b.gpkg"))
_buildings_variant("zero-padded-ids", "ok", "", lambda d: _write(buildings().assign(
    building_id=[f"{i:06d}" for i in range(len(DOORS))]), d / "b.gpkg"))
_buildings_variant("float-ids", "ok", "", lambda d: _write(buildings().assign(
    building_id=np.arange(len(DOORS), dtype=float)), d / "b.gpkg"))
_buildings_variant("hostile-ids", "ok", "", lambda d: _write(buildings().assign(
    building_id=[f"=1+{i}" for i in range(len(DOORS))]), d / "b.gpkg"))
_buildings_variant("one-building", "ok", "", lambda d: _write(buildings().iloc[:1],
                                                             d / "b.gpkg"))
_buildings_variant("multipolygons", "ok", "", lambda d: _write(buildings().set_geometry(
    shapely.multipolygons([[g] for g in buildings().geometry])), d / "b.gpkg"))
_buildings_variant("in-lonlat-geojson", "ok", "", lambda d: _write(buildings().to_crs(4326),
                                                                  d / "b.geojson"))


# zones and quartiers
def _zones_args(d: Path, z: gpd.GeoDataFrame, extra: tuple[str, ...] = ()) -> list[str]:
    return _address_args(d, extra=("--zones", str(_write(z, d / "zones.gpkg")), *extra))


def _quartiers_args(d: Path, q: gpd.GeoDataFrame) -> list[str]:
    return _address_args(d, extra=("--quartiers", str(_write(q, d / "q.gpkg"))))


CASES += [
    Case("zones-non-numeric", lambda d: _zones_args(d, zones().assign(arr_num=["un", "deux"])),
         "error", "number"),
    Case("zones-identical", lambda d: _zones_args(d, pd.concat([zones().iloc[:1]] * 2,
                                                               ignore_index=True).assign(
        arr_num=[1, 2])), "error", "overlap"),
    Case("zones-not-overlapping-roads", lambda d: _zones_args(d, _far(zones(), 100_000)),
         "error", "do not cover"),
    Case("zones-missing-column", lambda d: _zones_args(d, zones().rename(
        columns={"arr_num": "n"})), "error", "arr_num"),
    Case("zones-null-number", lambda d: _zones_args(d, zones().assign(arr_num=[1, None])),
         "error", ""),
    Case("zones-lines", lambda d: _zones_args(d, zones().set_geometry(zones().boundary)),
         "error", ""),
    Case("zones-duplicate-number", lambda d: _zones_args(d, zones().assign(arr_num=[1, 1])),
         "ok", ""),
    Case("zones-float-numbers", lambda d: _zones_args(d, zones().assign(arr_num=[1.0, 2.0])),
         "ok", ""),
    Case("zones-column-option", lambda d: _zones_args(d, zones().rename(
        columns={"arr_num": "n"}), ("--zone-column", "n")), "ok", ""),
    Case("quartiers-null-name", lambda d: _quartiers_args(d, quartiers().assign(
        quartier=["Zongo", None])), "ok", ""),
    Case("quartiers-missing-column", lambda d: _quartiers_args(d, quartiers().rename(
        columns={"quartier": "q"})), "error", "quartier"),
    Case("quartiers-hostile-name", lambda d: _quartiers_args(d, quartiers().assign(
        quartier=["=2+2", "Zongo"])), "ok", ""),
    Case("quartiers-points", lambda d: _quartiers_args(d, quartiers().set_geometry(
        quartiers().centroid)), "error", ""),
]


# names CSV given to address
def _names_args(d: Path, text: str, encoding: str = "utf-8") -> list[str]:
    return _address_args(d, extra=("--names", str(_names_csv(d, text, encoding=encoding))))


CASES += [
    Case("names-empty-file", lambda d: _names_args(d, ""), "error", "empty"),
    Case("names-header-only", lambda d: _names_args(d, "road_id,name\n"), "ok"),
    Case("names-formula", lambda d: _names_args(
        d, 'road_id,name\nr0,"=HYPERLINK(""http://evil"",""x"")"\n'), "error", "formula"),
    Case("names-plus-formula", lambda d: _names_args(d, "road_id,name\nr0,+cmd\n"),
         "error", "formula"),
    Case("names-latin1", lambda d: _names_args(d, "road_id,name\nr0,Rue Émile\n", "latin-1"),
         "error", "UTF-8"),
    Case("names-missing-column", lambda d: _names_args(d, "road_id,nom\nr0,X\n"), "error",
         "name"),
    Case("names-binary", lambda d: _address_args(d, extra=("--names", str(
        _put(d / "n.csv", os.urandom(2000))))), "error", ""),
    Case("names-fifo", lambda d: _address_args(d, extra=("--names", str(_fifo(d / "n.csv")))),
         "error", "not a regular file"),
    Case("names-semicolon-bom", lambda d: _names_args(d, "\ufeffroad_id;name\nr0;Rue du Lac\n"),
         "ok"),
]

# settings files and options
CASES += [
    Case("settings-misspelt-table", lambda d: _address_args(d, settings=_settings(
        d, "[adressing]\nmax_distance_m = 50\n")), "error", "did you mean [addressing]"),
    Case("settings-unknown-key", lambda d: _address_args(d, settings=_settings(
        d, SETTINGS_TOML + "max_distanse_m = 50\n")), "error", "unknown"),
    Case("settings-inf-distance", lambda d: _address_args(d, settings=_settings(
        d, SETTINGS_TOML + "max_distance_m = inf\n")), "error", "max_distance_m"),
    Case("settings-nan-distance", lambda d: _address_args(d, settings=_settings(
        d, SETTINGS_TOML + "max_distance_m = nan\n")), "error", "max_distance_m"),
    Case("settings-negative-distance", lambda d: _address_args(d, settings=_settings(
        d, SETTINGS_TOML + "max_distance_m = -1\n")), "error", "max_distance_m"),
    Case("settings-text-distance", lambda d: _address_args(d, settings=_settings(
        d, SETTINGS_TOML + 'max_distance_m = "far"\n')), "error", "max_distance_m"),
    Case("settings-bad-toml", lambda d: _address_args(d, settings=_settings(
        d, "[addressing\nx=")), "error", "cannot read"),
    Case("settings-bad-method", lambda d: _address_args(d, settings=_settings(
        d, SETTINGS_TOML + 'method = "random"\n')), "error", "method"),
    Case("settings-empty-file", lambda d: _address_args(d, settings=_settings(d, "")), "ok"),
    Case("settings-fifo", lambda d: _address_args(d, settings=_fifo(d / "s.toml")), "error",
         "not a regular file"),
    Case("settings-table-not-table", lambda d: _address_args(d, settings=_settings(
        d, "addressing = 3\n")), "error", "table"),
    Case("option-crs-not-a-crs", lambda d: _address_args(d, extra=("--crs", "not-a-crs")),
         "error", "not-a-crs"),
    Case("option-metric-crs-not-a-crs", lambda d: _address_args(
        d, extra=("--metric-crs", "EPSG:999999")), "error", "EPSG:999999"),
    Case("option-metric-crs-geographic", lambda d: _address_args(
        d, extra=("--metric-crs", "EPSG:4326")), "error", ""),
    Case("option-negative-distance", lambda d: _address_args(
        d, extra=("--max-distance", "-5")), "error", "max_distance_m"),
    Case("option-nan-distance", lambda d: _address_args(d, extra=("--max-distance", "nan")),
         "error", "max_distance_m"),
    Case("option-inf-distance", lambda d: _address_args(d, extra=("--max-distance", "inf")),
         "error", "max_distance_m"),
    Case("option-tiny-distance", lambda d: _address_args(
        d, extra=("--max-distance", "0.001")), "warning", "no_street_in_reach"),
    Case("output-missing-folder", lambda d: [*_address_args(d)[:-2], "-o",
                                             str(d / "nofolder" / "out.gpkg")], "error",
         "does not exist"),
    Case("output-not-gpkg", lambda d: [*_address_args(d)[:-2], "-o", str(d / "out.txt")],
         "error", ".gpkg", outputs=("out.txt",)),
    Case("output-is-folder", lambda d: [*_address_args(d)[:-2], "-o",
                                        str(_mkdir(d / "o.gpkg"))],
         "error", "folder"),
    Case("output-equals-roads", lambda d: [*_address_args(d)[:-2], "-o",
                                           str(d / "roads.gpkg"), "--overwrite"],
         "error", "is also the input"),
]

# update
CASES += [
    Case("update-baseline", lambda d: _update_args(d), "ok", register="register.gpkg",
         outputs=()),
    Case("update-inf-building", lambda d: _update_args(d, b=_write(
        _set_coord(buildings(), 2, np.inf), d / "b.gpkg")), "error", "not finite",
         register="register.gpkg", outputs=("changes.csv",)),
    Case("update-nan-road", lambda d: _update_args(d, r=_write(
        _set_coord(roads(), 1, np.nan), d / "r.gpkg")), "error", "not finite",
         register="register.gpkg", outputs=("changes.csv",)),
    Case("update-roads-all-null", lambda d: _update_args(d, r=_write(
        roads().set_geometry(gpd.GeoSeries([None] * 5, crs=32631).values), d / "r.gpkg")),
         "error", "no feature has a geometry", register="register.gpkg", outputs=("changes.csv",)),
    Case("update-zero-padded-ids", lambda d: _update_args(d, b=_write(buildings().assign(
        building_id=[f"{i:06d}" for i in range(len(DOORS))]), d / "b.gpkg")), "error",
         "allow-mass-retirement", register="register.gpkg", outputs=("changes.csv",)),
    Case("update-float-ids", lambda d: _update_args(d, b=_write(buildings().assign(
        building_id=[float(i) for i in range(len(DOORS))]), d / "b.gpkg"),
        reg=register(d, ids=list(range(len(DOORS))))), "ok", register="register.gpkg",
         outputs=()),
    Case("update-text-float-ids", lambda d: _update_args(d, b=_write(buildings().assign(
        building_id=[f"{i}.0" for i in range(len(DOORS))]), d / "b.gpkg"),
        reg=register(d, ids=list(range(len(DOORS))))), "ok", register="register.gpkg",
         outputs=()),
    Case("update-far-buildings", lambda d: _update_args(d, b=_write(
        _far(buildings(), 5_000_000), d / "b.gpkg")), "error", "",
         register="register.gpkg", outputs=("changes.csv",)),
    Case("update-half-the-buildings", lambda d: _update_args(d, b=_write(
        buildings().iloc[:12], d / "b.gpkg")), "error", "has only 12 features",
         register="register.gpkg", outputs=("changes.csv",)),
    Case("update-corrupt-blob", lambda d: _update_args(d, b=_corrupt_blob(
        _write(buildings(), d / "b.gpkg"), "b")), "warning", "could not be decoded",
         register="register.gpkg", outputs=()),
    Case("update-not-a-register", lambda d: [*_update_args(d)[:1], str(_write(
        roads(), d / "plain.gpkg")), *_update_args(d)[2:]], "error", "not a parakou_geo",
         outputs=("changes.csv",)),
    Case("update-text-register", lambda d: [*_update_args(d)[:1], str(
        _put(d / "t.gpkg", "hello")), *_update_args(d)[2:]],
         "error", "", outputs=("changes.csv",)),
    Case("update-missing-register", lambda d: [*_update_args(d)[:1], str(d / "none.gpkg"),
                                               *_update_args(d)[2:]], "error", "not found",
         outputs=("changes.csv",)),
    Case("update-fifo-register", lambda d: [*_update_args(d)[:1], str(_fifo(d / "f.gpkg")),
                                            *_update_args(d)[2:]], "error", "",
         outputs=("changes.csv",)),
    Case("update-changes-missing-folder", lambda d: [*_update_args(d)[:-2], "--changes",
                                                     str(d / "no" / "c.csv")], "error",
         "does not exist", register="register.gpkg"),
    Case("update-changes-is-register", lambda d: [*_update_args(d)[:-2], "--changes",
                                                  str(d / "register.gpkg"), "--overwrite"],
         "error", "is also the input", register="register.gpkg", outputs=()),
    Case("update-other-schema", lambda d: _other_schema(d), "error", "schema version",
         register="register.gpkg", outputs=("changes.csv",)),
    Case("update-bad-share", lambda d: [*_update_args(d), "--max-change-share", "3"], "error",
         "between 0 and 1", register="register.gpkg", outputs=("changes.csv",)),
    Case("update-fifo-buildings", lambda d: _update_args(d, b=_fifo(d / "b.gpkg")), "error",
         "not a regular file", register="register.gpkg", outputs=("changes.csv",)),
]


def _other_schema(d: Path) -> list[str]:
    args = _update_args(d)
    with contextlib.closing(sqlite3.connect(d / "register.gpkg")) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        con.commit()
    return args


# names, lifecycle, history, exports on a register
def _reg_cmd(build: Callable[[Path, Path], list[str]]) -> Callable[[Path], list[str]]:
    return lambda d: build(d, register(d))


CASES += [
    Case("names-cmd-formula", _reg_cmd(lambda d, r: ["names", str(r), str(_names_csv(
        d, "street_code;name;street_type;decision_date;reference\n"
        f"{_codes(r)[0]};=2+2;Rue;2026-01-01;A1\n"))]), "error", "formula",
         register="register.gpkg", outputs=()),
    Case("names-cmd-minus", _reg_cmd(lambda d, r: ["names", str(r), str(_names_csv(
        d, "street_code;name;street_type;decision_date;reference\n"
        f"{_codes(r)[0]};-1+2;Rue;2026-01-01;A1\n"))]), "error", "formula",
         register="register.gpkg", outputs=()),
    Case("names-cmd-empty", _reg_cmd(lambda d, r: ["names", str(r), str(_names_csv(d, ""))]),
         "error", "empty", register="register.gpkg", outputs=()),
    Case("names-cmd-unknown-code", _reg_cmd(lambda d, r: ["names", str(r), str(_names_csv(
        d, "street_code;name;street_type;decision_date;reference\n"
        "9.999;des Lacs;Rue;2026-01-01;A1\n"))]), "error", "unknown street code",
         register="register.gpkg", outputs=()),
    Case("names-cmd-ok", _reg_cmd(lambda d, r: ["names", str(r), str(_names_csv(
        d, "street_code;name;street_type;decision_date;reference\n"
        f"{_codes(r)[0]};des Lacs;Rue;2026-01-01;A1\n"))]), "ok", register="register.gpkg",
         outputs=()),
    Case("renumber-unknown-street", _reg_cmd(lambda d, r: [
        "renumber", str(r), "9.999", "--reason", "x"]), "error", "9.999",
         register="register.gpkg", outputs=()),
    Case("renumber-empty-reason", _reg_cmd(lambda d, r: [
        "renumber", str(r), _codes(r)[0], "--reason", " "]), "error", "reason",
         register="register.gpkg", outputs=()),
    Case("move-unknown-address", _reg_cmd(lambda d, r: [
        "move", str(r), "nope", "--to", _codes(r)[0], "--reason", "x"]), "error", "nope",
         register="register.gpkg", outputs=()),
    Case("move-unknown-street", _reg_cmd(lambda d, r: [
        "move", str(r), _address_ids(r)[0], "--to", "9.999", "--reason", "x"]), "error",
         "9.999", register="register.gpkg", outputs=()),
    Case("validate-unknown-address", _reg_cmd(lambda d, r: [
        "validate", str(r), "--address", "nope", "--reason", "x"]), "error", "nope",
         register="register.gpkg", outputs=()),
    Case("validate-nothing-selected", _reg_cmd(lambda d, r: [
        "validate", str(r), "--reason", "x"]), "error", "", register="register.gpkg",
         outputs=()),
    Case("reject-unknown", _reg_cmd(lambda d, r: [
        "reject", str(r), "nope", "--reason", "x"]), "error", "nope",
         register="register.gpkg", outputs=()),
    Case("lock-unknown-street", _reg_cmd(lambda d, r: [
        "lock", str(r), "9.999", "--reason", "x"]), "error", "9.999",
         register="register.gpkg", outputs=()),
    Case("lock-hostile-reason", _reg_cmd(lambda d, r: [
        "lock", str(r), _codes(r)[0], "--reason", "=HYPERLINK(\"x\")"]), "ok",
         register="register.gpkg", outputs=()),
    Case("history-not-a-register", lambda d: ["history", str(_write(roads(), d / "p.gpkg"))],
         "error", "not a parakou_geo", outputs=()),
    Case("history-output-register", _reg_cmd(lambda d, r: [
        "history", str(r), "-o", str(r), "--overwrite"]), "error", "is also the input",
         register="register.gpkg", outputs=()),
    Case("diff-no-second", _reg_cmd(lambda d, r: ["diff", str(r)]), "error", "--since",
         register="register.gpkg", outputs=()),
    Case("diff-text-file", _reg_cmd(lambda d, r: [
        "diff", str(r), str(_put(d / "x.gpkg", "x"))]), "error", "",
         register="register.gpkg", outputs=()),
    Case("export-tax-not-a-register", lambda d: [
        "export", "tax", str(_write(roads(), d / "p.gpkg")), "-o", str(d / "t.csv")],
         "error", "", outputs=("t.csv",)),
    Case("export-tax-bad-suffix", _reg_cmd(lambda d, r: [
        "export", "tax", str(r), "-o", str(d / "t.txt")]), "error", "",
         register="register.gpkg", outputs=("t.txt",)),
    Case("export-bal-missing-folder", _reg_cmd(lambda d, r: [
        "export", "bal", str(r), "-o", str(d / "no" / "b.csv")]), "error", "does not exist",
         register="register.gpkg", outputs=()),
]


def write_all(folder: Path) -> None:
    """Write every case's inputs into ``folder/<case>/`` with its command line."""
    folder.mkdir(parents=True, exist_ok=True)
    for c in CASES:
        d = folder / c.name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir()
        argv = c.build(d)
        (d / "command.txt").write_text(
            "parakou-geo " + " ".join(argv) + f"\n# expected: {c.expect} {c.match}\n",
            encoding="utf-8")


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "adversarial_cases"))
    print(f"{len(CASES)} cases written")
