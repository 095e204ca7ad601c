"""BAL 1.4 export, checked with the reference validator ``@ban-team/validateur-bal``."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_exports_helpers import HYPERLINK, make_register

import parakou_geo
from parakou_geo.datasets import load_sample
from parakou_geo.exports import BAL_COLUMNS, bal_table, write_bal
from parakou_geo.exports.bal import voie_key

ROOT = Path(__file__).resolve().parents[1]
BAL_BIN = ROOT / ".tools" / "node_modules" / ".bin" / "bal"

#: The only validator findings tolerated, all tied to French territory (label → rule code):
TOLERATED = {
    # cle_interop.commune_invalide: the commune part of cle_interop is not a French INSEE code
    "Clé d’interopérabilité invalide (commune)",
    # commune_insee.valeur_manquante: commune_insee is empty (Parakou has no INSEE code)
    "Le champ commune_insee ne doit pas être vide",
    # row.longlat_invalides: long/lat lie outside France
    "Les coordonnées long/lat sont en dehors du territoire ou invalides",
}

_FINDING = re.compile(r"^\[([EWI])\] (?:#\d+ )?(.*)$")


def _validator() -> Path:
    if BAL_BIN.exists() and shutil.which("node"):
        return BAL_BIN
    reason = (f"BAL validator not installed at {BAL_BIN}; install it with: npm install --prefix "
              ".tools --no-audit --no-fund @ban-team/validateur-bal fs-extra")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _validate(path: Path, n_rows: int) -> None:
    proc = subprocess.run(
        [str(_validator()), "validate", "--profile", "1.4", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"},
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "Encodage : UTF-8 => OK" in out
    assert "Séparateur de colonne : point-virgule => OK" in out
    assert "Tous les champs du modèle ont été trouvés !" in out
    assert "Les champs suivants sont inconnus" not in out
    assert f"{n_rows} données vérifiées !" in out
    findings = [m.groups() for line in out.splitlines() if (m := _FINDING.match(line.strip()))]
    bad = sorted({f"[{level}] {label}" for level, label in findings
                  if level in "EW" and label not in TOLERATED})
    assert bad == [], "validator findings other than the French-territory rules:\n" + \
        "\n".join(bad)
    # the three tolerated rules do fire (the file really was checked row by row)
    assert {label for _, label in findings} >= TOLERATED


def test_hand_register_passes_the_reference_validator(tmp_path: Path) -> None:
    path = write_bal(make_register(), tmp_path / "bal.csv", update_date=dt.date(2026, 1, 15))
    _validate(path, n_rows=4)  # A4 is retired: not exported


def test_sample_register_passes_the_reference_validator(tmp_path: Path) -> None:
    s = load_sample()
    result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"],
                                 quartiers=s["quartiers"], run_date=dt.date(2026, 1, 15))
    path = write_bal(result, tmp_path / "bal.csv")
    _validate(path, n_rows=len(result.register.addresses))


def test_columns_and_rules(tmp_path: Path) -> None:
    path = write_bal(make_register(), tmp_path / "bal.csv", update_date=dt.date(2026, 1, 15))
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert list(rows[0]) == list(BAL_COLUMNS)
    by_key = {r["cle_interop"]: r for r in rows}
    assert sorted(by_key) == ["bj0pk_1001_00025", "bj0pk_1001_00030",
                              "bj0pk_1002_00012_bis", "bj0pk_2001_00050"]
    bis = by_key["bj0pk_1002_00012_bis"]
    # the BAL is a CSV a spreadsheet opens: a name starting a formula is neutralised
    assert (bis["numero"], bis["suffixe"], bis["voie_nom"]) == ("12", "bis", "'" + HYPERLINK)
    assert by_key["bj0pk_2001_00050"]["voie_nom"] == "Rue 2.001"  # unnamed: the code
    assert by_key["bj0pk_1001_00030"]["certification_commune"] == "1"  # current
    assert by_key["bj0pk_1001_00025"]["certification_commune"] == "0"  # proposed
    assert {r["commune_insee"] for r in rows} == {""}
    assert {r["commune_nom"] for r in rows} == {"Parakou"}
    assert {r["date_der_maj"] for r in rows} == {"2026-01-15"}
    assert {r["position"] for r in rows} == {"bâtiment"}


def test_voie_key_falls_back_for_codes_that_do_not_fit() -> None:
    assert voie_key(["1.001", "12.345", "1.0042"]) == {"1.001": "1001", "1.0042": "z000",
                                                       "12.345": "z001"}


def test_statuses_filter() -> None:
    t = bal_table(make_register(), statuses=["retired"])
    assert t["cle_interop"].tolist() == ["bj0pk_1003_00091"]
