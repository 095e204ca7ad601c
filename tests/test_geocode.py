"""Search and reverse search on the sample register: query forms, bad queries, reverse."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _geocode_register import build_search_register

from parakou_geo._errors import InputError
from parakou_geo.cli import main
from parakou_geo.geocode import Geocoder
from parakou_geo.geocode._query import parse_query


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_register(tmp_path_factory.mktemp("geocode"))


@pytest.fixture(scope="module")
def geo(register: Path) -> Geocoder:
    return Geocoder.from_register(register)


@pytest.mark.parametrize(("query", "number", "suffix", "codes"), [
    ("12 bis Rue 2.045", 12, "bis", ["2.045"]),
    ("12bis R2.045", 12, "bis", ["2.045"]),
    ("12 BIS rue 2 045", 12, "bis", ["2.045"]),
    ("12b 2,045", 12, "b", ["2.045"]),
    ("Rue 2.045, 12 ter", 12, "ter", ["2.045"]),
    ("r2045 12B", 12, "b", ["2.045"]),
    ("rue 2.45 n° 7", 7, "", ["2.045"]),
    ("douze bis, rue deux point zéro quarante-cinq", 12, "bis", ["2.045"]),
    ("quatre-vingt-douze rue 1.005", 92, "", ["1.005"]),
])
def test_parse_query_reads_numbers_suffixes_and_codes(
    query: str, number: int, suffix: str, codes: list[str]
) -> None:
    p = parse_query(query)
    assert (p.number, p.suffix, p.codes) == (number, suffix, codes)


def test_number_words_are_read_only_when_no_digit_is_typed() -> None:
    assert parse_query("rue des deux tours 12").number == 12
    assert parse_query("rue des deux tours 12").words == ["rue", "des", "deux", "tours"]
    assert parse_query("soixante et onze bis rue 1.005").number == 71


def test_parse_query_keeps_ordinals_and_context() -> None:
    p = parse_query("15 rue du 1er mai, 2e arrondissement")
    assert p.number == 15
    assert "1er" in p.words
    assert p.zones == ["2"]


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty query"),
    ("   ", "empty query"),
    ("x" * 10_000, "query too long (10000 characters"),
    ("?!;,.-'", "nothing to search"),
    ("12 rue 9.999", "no street with code 9.999 in this register"),
    ("12 rue 2.099", "zone 2 has codes 2.001 to 2.011"),
    ("56", "a number alone (56) is not an address"),
    ("zzzzqqq", "no address, street or quartier matches"),
])
def test_bad_queries_get_a_clear_message_and_no_match(
    geo: Geocoder, query: str, message: str
) -> None:
    result = geo.search(query)
    assert len(result) == 0
    assert result.best is None
    assert message in result.message


def test_bad_arguments_raise_input_errors(geo: Geocoder) -> None:
    with pytest.raises(InputError, match="limit must be a positive"):
        geo.search("25 rue 1.001", limit=0)
    with pytest.raises(InputError, match=r"near=\(200.0, 9.0\) is not a longitude"):
        geo.search("25 rue 1.001", near=(200.0, 9.0))


def test_retired_address_is_found_marked_and_points_to_its_replacement(geo: Geocoder) -> None:
    best = geo.search("547 rue 3.018").best
    assert best is not None
    assert (best.label, best.status, best.replaced_by) == ("547 Rue 3.018", "retired",
                                                           "547 bis Rue 3.018")
    # a demolished building with no new building in its place: retired, no replacement
    lone = geo.search("1402 rue 1.005").best
    assert lone is not None
    assert (lone.status, lone.replaced_by) == ("retired", "")


def test_moved_address_is_found_by_its_old_label(geo: Geocoder, register: Path) -> None:
    import sqlite3

    with sqlite3.connect(register) as con:  # the move made by the fixture, from its history
        old, new = con.execute("SELECT old_value, new_value FROM history WHERE operation = "
                               "'move' AND field = 'label'").fetchone()
    assert old != new
    best = geo.search(old).best
    assert best is not None
    assert best.label == new
    assert "former label" in best.why


def test_interpolated_number_sits_at_its_distance_on_its_side(
    geo: Geocoder, register: Path
) -> None:
    best = geo.search("300 route de tchaourou").best
    assert best is not None
    assert (best.kind, best.label, best.status) == ("interpolated", "300 Rue 2.011",
                                                    "interpolated")
    seg = pyogrio.read_dataframe(register, layer="segments")
    seg = seg[seg["street_code"] == "2.011"]
    # measure the placed door back on the street: 300 m from the origin, on the right
    lines = np.asarray(seg.geometry.array)
    door = shapely.Point(best.x, best.y)
    k = int(np.argmin(shapely.distance(lines, door)))
    along = float(seg["offset_m"].iloc[k]) + float(shapely.line_locate_point(lines[k], door))
    assert along == pytest.approx(300.0, abs=1.0)
    a = shapely.line_interpolate_point(lines[k], along - float(seg["offset_m"].iloc[k]) - 1)
    b = shapely.line_interpolate_point(lines[k], along - float(seg["offset_m"].iloc[k]) + 1)
    cross = (b.x - a.x) * (door.y - a.y) - (b.y - a.y) * (door.x - a.x)
    assert cross < 0  # even number: right of the direction of progression


def test_results_carry_plus_codes_and_full_rows(geo: Geocoder) -> None:
    result = geo.search("rue des karites 4", limit=3)
    best = result.best
    assert best is not None
    assert best.label == "4 Rue 2.003"
    assert best.plus_code.startswith("6FX4")
    assert "+" in best.plus_code
    assert best.street_name == "Rue des Karités"
    assert best.quartier.startswith("Quartier synthétique")


def test_near_breaks_ties_toward_the_nearer_match(geo: Geocoder) -> None:
    # two street names in one query: both streets score the same; near picks the closest
    plain = geo.search("rue roniers tisserands", limit=5)
    assert [m.label for m in plain][:2] == ["Rue 1.006", "Rue 1.007"]
    assert plain[0].score == plain[1].score
    second = plain[1]
    near = geo.search("rue roniers tisserands", limit=5, near=(second.lon, second.lat))
    assert near[0].label == "Rue 1.007"


def test_search_many_keeps_one_row_per_query(geo: Geocoder) -> None:
    table = geo.search_many(["25 rue 1.001", "", "12 rue 9.999"])
    assert table["query"].tolist() == ["25 rue 1.001", "", "12 rue 9.999"]
    assert table["label"].tolist()[0] == "25 Rue 1.001"
    assert table["label"].isna().tolist()[1:] == [True, True]
    assert "empty query" in table["message"].iloc[1]


def test_reverse_on_a_street_gives_side_distance_and_number(
    geo: Geocoder, register: Path
) -> None:
    seg = pyogrio.read_dataframe(register, layer="segments")
    seg = seg[seg["street_code"] == "1.005"].sort_values("offset_m")
    piece = seg[(seg["offset_m"] <= 500) & (seg["offset_m"] + seg.length >= 500)].iloc[0]
    local = 500.0 - float(piece["offset_m"])
    foot = shapely.line_interpolate_point(piece.geometry, local)
    nxt = shapely.line_interpolate_point(piece.geometry, local + 1.0)
    dx, dy = nxt.x - foot.x, nxt.y - foot.y
    norm = float(np.hypot(dx, dy))
    left = shapely.Point(foot.x - 4 * dy / norm, foot.y + 4 * dx / norm)
    right = shapely.Point(foot.x + 4 * dy / norm, foot.y - 4 * dx / norm)
    pts = gpd.GeoSeries([left, right], index=["L", "R"], crs=seg.crs)
    out = geo.reverse(pts)
    assert out.index.tolist() == ["L", "R"]
    assert out["street_code"].tolist() == ["1.005", "1.005"]
    assert out["side"].tolist() == ["left", "right"]
    assert out["street_distance_m"].tolist() == [pytest.approx(4.0, abs=0.2)] * 2
    assert out["along_m"].tolist() == [pytest.approx(500.0, abs=0.2)] * 2
    assert out["number"].tolist() == [501, 500]


def test_reverse_at_an_address_finds_it(geo: Geocoder, register: Path) -> None:
    addresses = pyogrio.read_dataframe(register, layer="addresses")
    sample = addresses[addresses["status"] == "proposed"].iloc[::97]
    out = geo.reverse(np.c_[sample["lon"], sample["lat"]])
    assert out["label"].tolist() == sample["label"].tolist()
    assert (out["address_distance_m"] < 0.5).all()


def test_reverse_refuses_bad_points(geo: Geocoder) -> None:
    with pytest.raises(InputError, match=r"\(n, 2\) array"):
        geo.reverse(np.zeros((3, 3)))
    with pytest.raises(InputError, match="is not a \\(lon, lat\\)"):
        geo.reverse([(500000.0, 1030000.0)])


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["-q", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_search_table_and_json(register: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(["search", str(register), "56b R2.010"], capsys)
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["label", "status", "street_name"]
    assert out.splitlines()[1].startswith("56 bis Rue 2.010")
    code, out, _ = _cli(["search", str(register), "avenue du marche 51", "--format", "json",
                         "--limit", "1"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert [r["label"] for r in rows] == ["51 Rue 3.002"]
    assert {"plus_code", "score", "why", "status", "quartier"} <= set(rows[0])


@pytest.mark.parametrize(("query", "message"), [
    ("", "empty query"),
    ("x" * 10_000, "query too long"),
    ("!!!", "nothing to search"),
    ("12 Rue 9.999", "no street with code 9.999"),
])
def test_cli_search_bad_queries_exit_1_with_a_message(
    register: Path, capsys: pytest.CaptureFixture[str], query: str, message: str
) -> None:
    code, out, err = _cli(["search", str(register), query], capsys)
    assert code == 1
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_cli_search_batch_writes_one_row_per_line(
    register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "roll.txt"
    queries.write_text("25 rue 1.001\n\n=HYPERLINK(\"x\")\nrue du stade 22\n", encoding="utf-8")
    out_csv = tmp_path / "best.csv"
    code, out, _ = _cli(["search", str(register), "--queries", str(queries), "-o",
                         str(out_csv)], capsys)
    assert code == 0
    assert "2 of 4 queries found" in out
    import pandas as pd

    table = pd.read_csv(out_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert table["query"].tolist() == ["25 rue 1.001", "", "'=HYPERLINK(\"x\")",
                                       "rue du stade 22"]
    assert table["label"].tolist() == ["25 Rue 1.001", "", "", "22 Rue 1.005"]


def test_cli_reverse_at_lat_lon_and_plus_code(
    register: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    addresses = pyogrio.read_dataframe(register, layer="addresses")
    rec = addresses[addresses["label"] == "25 Rue 1.001"].iloc[0]
    code, out, _ = _cli(["reverse", str(register), "--at", f"{rec['lat']},{rec['lon']}"],
                        capsys)
    assert code == 0
    fields = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
    assert fields["label"] == "25 Rue 1.001"
    assert fields["street_code"] == "1.001"
    assert fields["side"] == rec["side"]
    code, out, _ = _cli(["reverse", str(register), "--at", "8JPJ+V4 Parakou", "--format",
                         "json"], capsys)
    assert code == 0
    assert json.loads(out)[0]["plus_code"] == "6FX48JPJ+V4"


def test_cli_reverse_bad_input(register: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(["reverse", str(register), "--at", "north"], capsys)
    assert code == 2
    assert "--at: expected two numbers" in err
    code, _, err = _cli(["search", str(register), "x", "--near", "1,2,3"], capsys)
    assert code == 2
    assert "--near" in err


def test_geocoder_from_layers_without_segments(register: Path) -> None:
    addresses = pyogrio.read_dataframe(register, layer="addresses")
    streets = pyogrio.read_dataframe(register, layer="streets")
    geo = Geocoder.from_layers(addresses, streets)
    assert geo.search("56b R2.010").best.label == "56 bis Rue 2.010"  # type: ignore[union-attr]
    placed = geo.search("300 route de tchaourou").best
    assert placed is not None
    assert placed.kind == "interpolated"
    with_segments = Geocoder.from_register(register).search("300 route de tchaourou").best
    assert with_segments is not None
    # streets measured from their origin without the segments layer: the same place
    assert abs(placed.x - with_segments.x) + abs(placed.y - with_segments.y) < 5.0


#: Real quartier names of Parakou (../shared/data/parakou/quartiers.csv) given to the nine
#: synthetic quartiers of the sample, with the names that share a word on purpose.
REAL_QUARTIERS = ("BANIKANNI", "BANIKANNI-ENI", "BANIKANNI-MADJATOM", "BANIKANNI-DOUWEROU",
                  "ALBARIKA", "LADJIFARANI", "LADJIFARANI-PETIT PERE", "ZONGO", "ZONGO-ZENON")


@pytest.mark.realdata
def test_real_quartier_names_as_context_and_as_places(register: Path) -> None:
    import pandas as pd
    from conftest import shared_file

    official = pd.read_csv(shared_file("parakou", "quartiers.csv"), dtype=str)
    assert set(REAL_QUARTIERS) <= set(official["quartier"])
    addresses = pyogrio.read_dataframe(register, layer="addresses")
    quartiers = pyogrio.read_dataframe(register, layer="quartiers")
    rename = dict(zip(sorted(quartiers["quartier"]), REAL_QUARTIERS, strict=True))
    addresses["quartier"] = addresses["quartier"].map(rename)
    quartiers["quartier"] = quartiers["quartier"].map(rename)
    geo = Geocoder.from_layers(addresses, pyogrio.read_dataframe(register, layer="streets"),
                               segments=pyogrio.read_dataframe(register, layer="segments"),
                               quartiers=quartiers)
    for query, expected in [("Banikanni", "BANIKANNI"), ("quartier Banikanni Eni",
                            "BANIKANNI-ENI"), ("qtr banikani", "BANIKANNI"),
                            ("Ladjifarani Petit Père", "LADJIFARANI-PETIT PERE"),
                            ("zongo zénon", "ZONGO-ZENON")]:
        best = geo.search(query).best
        assert best is not None
        assert (best.kind, best.label) == ("quartier", expected), query
    # an address with its quartier as context, the quartier first or last
    rec = addresses[(addresses["street_name"] == "Rue du Stade")
                    & (addresses["status"] == "proposed")].iloc[0]
    for query in (f"{rec['number']} rue du stade à {rec['quartier'].title()}",
                  f"{rec['quartier'].lower()}, rue du stade {rec['number']}"):
        best = geo.search(query).best
        assert best is not None
        assert best.label == rec["label"], query
        assert best.quartier == rec["quartier"]


@pytest.fixture(scope="module")
def sample_layers() -> dict[str, gpd.GeoDataFrame]:
    from parakou_geo.datasets import load_sample

    return load_sample()


def _built(sample_layers: dict[str, gpd.GeoDataFrame], method: str) -> Geocoder:
    from parakou_geo import AddressingSettings, address

    s = sample_layers
    result = address(s["roads"], s["buildings"], zones=s["zones"], quartiers=s["quartiers"],
                     settings=AddressingSettings(method=method))  # type: ignore[arg-type]
    return Geocoder.from_register(result)


def test_sequential_street_numbers_are_not_placed_by_distance(
    sample_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    geo = _built(sample_layers, "sequential")
    result = geo.search("999 rue 1.005")
    assert [m.kind for m in result] == ["street"]
    assert "numbered in sequence" in result.message
    out = geo.reverse(np.c_[geo.lon[:3], geo.lat[:3]])
    assert out["number"].isna().all()
    assert out["would_label"].isna().all()


def test_decametric_numbers_are_placed_at_ten_metres_per_number(
    sample_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    geo = _built(sample_layers, "decametric")
    taken = set(geo.number[geo.code == "1.005"].tolist())
    number = next(n for n in range(40, 140) if n not in taken)
    best = geo.search(f"{number} rue 1.005").best
    assert best is not None
    assert best.kind == "interpolated"
    side = geo.reverse(gpd.GeoSeries([shapely.Point(best.x, best.y)], crs=geo.crs))
    assert side["street_code"].iloc[0] == "1.005"
    assert side["along_m"].iloc[0] == pytest.approx(10.0 * number, abs=1.0)
    assert side["number"].iloc[0] == number
