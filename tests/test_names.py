"""Official street names: validation of every problem at once, import, name history."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from parakou_geo import InputError, address, write_register
from parakou_geo.codes import read_names_csv
from parakou_geo.datasets import load_sample, sample_names_path
from parakou_geo.names import check_names, import_names, read_official_names
from parakou_geo.register.history import read_history


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = load_sample()
    res = address(s["roads"], s["buildings"], zones=s["zones"], run_date=dt.date(2026, 1, 1))
    path = tmp_path_factory.mktemp("reg") / "register.gpkg"
    write_register(res.register, path)
    return path


@pytest.fixture
def reg(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "register.gpkg"
    shutil.copy(built, path)
    return path


def _codes(path: Path) -> list[str]:
    st = pyogrio.read_dataframe(path, layer="streets", read_geometry=False)
    return sorted(st["street_code"])


def _csv(tmp: Path, rows: list[str]) -> Path:
    p = tmp / "noms.csv"
    p.write_text("street_code;name;street_type;decision_date;reference\n" + "\n".join(rows)
                 + "\n", encoding="utf-8")
    return p


def test_every_problem_is_reported_at_once(reg: Path, tmp_path: Path) -> None:
    c = _codes(reg)
    p = _csv(tmp_path, [
        f"{c[0]};des Manguiers;Rue;2027-03-01;D-1",
        f"{c[1]};DES MANGUIÈRS;Rue;2027-03-01;D-1",       # duplicate ignoring case/accents
        f"{c[2]};;Rue;2027-03-01;D-1",                    # empty
        f"{c[3]}; Bio Guéra;Rue;2027-03-01;D-1",          # stray space
        f"{c[4]};du <Marché>;Rue;2027-03-01;D-1",         # forbidden characters
        f"{c[5]};{'x' * 70};Avenue;2027-03-01;D-1",       # too long
        "9.999;Inconnue;Rue;2027-03-01;D-1",              # unknown code
        f"{c[6]};des Karités;Chaussée;2027-03-01;D-1",    # unknown type
        f"{c[7]};des Nérés;Rue;01/03/2027;D-1",           # bad date
    ])
    streets = pyogrio.read_dataframe(reg, layer="streets", read_geometry=False)
    problems = check_names(read_official_names(p), streets)
    text = "\n".join(problems)
    for expected in ("line 3: 'Rue DES MANGUIÈRS' is already given", "line 4: empty name",
                     "line 5: stray spaces", "line 6: forbidden character(s) '<' '>'",
                     "line 7: 'Avenue xxx", "line 8: unknown street code '9.999'",
                     "line 9: street type 'Chaussée'", "line 10: decision date"):
        assert expected in text, expected
    assert len(problems) == 8
    before = reg.read_bytes()
    with pytest.raises(InputError, match="Nothing was imported") as info:
        import_names(reg, read_official_names(p))
    assert reg.read_bytes() == before
    # the closing sentence is not one of the problems: "8 problems found", 8 listed
    message = str(info.value)
    assert "8 problems found:" in message
    assert message.count("\n  - ") == 8
    assert message.endswith("\nNothing was imported; fix the file and run again.")


def test_import_renames_streets_and_keeps_the_history(reg: Path, tmp_path: Path) -> None:
    code = _codes(reg)[0]
    import_names(reg, read_official_names(_csv(tmp_path, [
        f"{code};des Manguiers;Rue;2027-03-01;Délibération 2027-03"])))
    import_names(reg, read_official_names(_csv(tmp_path, [
        f"{code};Bio Guéra;Avenue;2029-06-15;Délibération 2029-11"])))
    st = pyogrio.read_dataframe(reg, layer="streets", read_geometry=False) \
        .set_index("street_code")
    assert st.loc[code, "street_name"] == "Avenue Bio Guéra"
    assert st.loc[code, "street_type"] == "Avenue"
    assert st.loc[code, "name_source"] == "official"
    a = pyogrio.read_dataframe(reg, layer="addresses", read_geometry=False)
    assert (a.loc[a["street_code"] == code, "street_name"] == "Avenue Bio Guéra").all()
    names = pyogrio.read_dataframe(reg, layer="street_names")
    assert names[["name", "valid_from"]].values.tolist() == [
        ["Rue des Manguiers", "2027-03-01"], ["Avenue Bio Guéra", "2029-06-15"]]
    assert names["valid_to"].iloc[0] == "2029-06-15"
    assert pd.isna(names["valid_to"].iloc[1])
    h = read_history(reg, object_id=code)
    assert h.loc[h["field"] == "street_name", "new_value"].tolist() == [
        "Rue des Manguiers", "Avenue Bio Guéra"]
    assert h["reason"].iloc[-1] == "Délibération 2029-11"
    # the code never changes
    assert code in st.index


def test_a_name_already_official_elsewhere_is_refused(reg: Path, tmp_path: Path) -> None:
    c = _codes(reg)
    import_names(reg, read_official_names(_csv(tmp_path, [f"{c[0]};des Manguiers;Rue;"
                                                          "2027-03-01;D-1"])))
    streets = pyogrio.read_dataframe(reg, layer="streets", read_geometry=False)
    problems = check_names(pd.DataFrame({"street_code": [c[1]], "name": ["Des manguiers"],
                                         "street_type": ["rue"], "decision_date": ["2028-01-01"],
                                         "reference": ["D-2"]}), streets)
    assert len(problems) == 1
    assert "already the official name of street" in problems[0]
    # the name as on the plates, its type once: not "(rue Rue des Manguiers)"
    assert problems[0].endswith(f"official name of street {c[0]} (Rue des Manguiers)")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    p = tmp_path / "n.csv"
    p.write_text("code,nom\n1.001,X\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a 'name' column and a 'street_code'"):
        read_official_names(p)


def test_the_shipped_sample_is_accepted_by_both_commands(reg: Path) -> None:
    """``address --names`` and ``parakou-geo names`` read the same layout (issue 13, bug 2)."""
    s = load_sample()
    res = address(s["roads"], s["buildings"], zones=s["zones"],
                  names=read_names_csv(sample_names_path()), run_date=dt.date(2026, 1, 1))
    first = res.register.streets
    named = set(first.loc[first["name_source"] == "official", "street_code"])
    n = import_names(reg, read_official_names(sample_names_path()))
    assert n == len(named) > 0
    st = pyogrio.read_dataframe(reg, layer="streets", read_geometry=False)
    official = st[st["name_source"] == "official"].set_index("street_code")["street_name"]
    assert set(official.index) == named
    assert official.to_dict() == first.set_index("street_code").loc[
        sorted(named), "street_name"].to_dict()


def test_address_names_get_the_checks_of_the_names_command(tmp_path: Path) -> None:
    """One checker: ``Rue <b>#1`` for two streets is refused by the first build too."""
    s = load_sample()
    roads = sorted(s["roads"]["road_id"].astype(str))
    p = tmp_path / "noms.csv"
    p.write_text(f"road_id,name\n{roads[0]},Rue <b>#1\n{roads[-1]},Rue <b>#1\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as info:
        address(s["roads"], s["buildings"], zones=s["zones"], names=read_names_csv(p))
    text = str(info.value)
    assert "line 2: forbidden character(s) '#' '<' '>' in 'Rue <b>#1'" in text
    assert "line 3: 'Rue <b>#1' is already given to street" in text
