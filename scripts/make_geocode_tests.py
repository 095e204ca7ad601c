"""Generate the search test queries from the sample register, with controlled corruptions.

Writes ``tests/data/geocode/generated.csv`` in the geocoder-tester CSV layout:
``query, expected_label, expected_coordinate ("lat,lon,tolerance in metres"), expected_kind,
comment``. Expected values come from the register (built by
``tests/_geocode_register.py``, no geocoder code), and for numbers that are not in the
register, from the street line itself. Seeded: the same seed always writes the same file.

Corruptions (each query says which in ``comment``): letter case, accents dropped, street
codes written ``2.045``/``R2.045``/``rue 2 045``/``2,045``/``Rue 2.45``, suffix spellings
(``12bis``, ``12 BIS``, ``12b``, ``12 B``), number before or after the street, street-type
abbreviations (``av.``, ``bd``), up to two typos in the name words (substitution, deletion,
insertion or swap; a word of 3-4 letters gets at most one, a shorter word none), quartier
and arrondissement context, former names, retired and moved addresses, full and short Plus
Codes, and numbers missing from a metric street (placed by distance).

Usage: python scripts/make_geocode_tests.py [--seed 15] [--out tests/data/geocode/generated.csv]
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from openlocationcode import openlocationcode as olc
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _geocode_register import build_search_register  # noqa: E402

COLUMNS = ("query", "expected_label", "expected_coordinate", "expected_kind", "comment")
TYPES = {"rue", "avenue", "boulevard", "route", "place", "impasse", "chemin", "allée"}
STOP = {"de", "du", "des", "la", "le", "les", "l", "d"}
ABBREV = {"avenue": ["av.", "Av", "ave"], "boulevard": ["bd", "Bd.", "blvd"],
          "route": ["rte"], "quartier": ["qtr", "Qtr."]}
MAIRIE = (2.629183, 9.339005)


def strip_accents(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    return "".join(c for c in t if not unicodedata.combining(c))


def recase(rng: random.Random, text: str) -> tuple[str, str]:
    how = rng.choice(["as is", "lower", "upper", "title"])
    out = {"as is": text, "lower": text.lower(), "upper": text.upper(),
           "title": text.title()}[how]
    return out, f"case {how}"


def typo(rng: random.Random, word: str) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(len(word))
    op = rng.choice(["sub", "del", "ins", "swap"])
    if op == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == "del" and len(word) > 3:
        return word[:i] + word[i + 1:]
    if op == "ins":
        return word[:i] + rng.choice(letters) + word[i:]
    c = rng.choice([x for x in letters if x != word[i].lower()])
    return word[:i] + c + word[i + 1:]


def corrupt_name(rng: random.Random, name: str, n_typos: int) -> tuple[str, list[str]]:
    """Return the name with abbreviations, typos and accents changed, and what was done."""
    notes = []
    words = name.replace("'", "' ").split()
    if words and words[0].lower() in ABBREV and rng.random() < 0.5:
        words[0] = rng.choice(ABBREV[words[0].lower()])
        notes.append("abbreviated type")
    budget = {i: (1 if len(strip_accents(w)) <= 4 else 2) for i, w in enumerate(words)
              if w.lower().strip("'") not in STOP | TYPES and len(w) >= 3 and w.isalpha()}
    done = 0
    while done < n_typos and budget:
        i = rng.choice(sorted(budget))
        words[i] = typo(rng, strip_accents(words[i]))
        budget[i] -= 1
        if budget[i] == 0:
            del budget[i]
        done += 1
    if done:
        notes.append(f"{done} typo(s)")
    text = " ".join(words).replace("' ", "'")
    if rng.random() < 0.5:
        text = strip_accents(text)
        notes.append("no accents")
    return text, notes


def code_text(rng: random.Random, code: str) -> tuple[str, str]:
    zone, num = code.split(".")
    forms = [f"Rue {code}", code, f"R{code}", f"rue {zone} {num}", f"{zone},{num}",
             f"Rue {zone}.{int(num)}", f"R {code}", f"r{zone}{num}"]
    form = rng.choice(forms)
    return form, f"code as {form!r}"


def number_text(rng: random.Random, number: int, suffix: str) -> tuple[str, str]:
    if not suffix:
        return str(number), ""
    if suffix in ("bis", "ter"):
        forms = [f"{number} {suffix}", f"{number}{suffix}", f"{number} {suffix.upper()}",
                 f"{number}{suffix[0]}", f"{number} {suffix[0].upper()}",
                 f"{number}{suffix[0].upper()}"]
    else:
        forms = [f"{number}{suffix}", f"{number} {suffix}", f"{number}{suffix.lower()}"]
    form = rng.choice(forms)
    return form, f"suffix as {form!r}"


def assemble(rng: random.Random, number: str, street: str) -> tuple[str, str]:
    if rng.random() < 0.3:
        return f"{street} {number}", "number after"
    return f"{number} {street}", "number before"


def row(query: str, label: str, lat: float, lon: float, tol: float, kind: str,
        notes: list[str]) -> dict[str, str]:
    return {"query": query, "expected_label": label,
            "expected_coordinate": f"{lat:.7f},{lon:.7f},{tol:g}", "expected_kind": kind,
            "comment": "; ".join(n for n in notes if n)}


def generate(register: Path, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    a = pyogrio.read_dataframe(register, layer="addresses")
    streets = pyogrio.read_dataframe(register, layer="streets")
    segments = pyogrio.read_dataframe(register, layer="segments")
    with sqlite3.connect(register) as con:
        former = con.execute("SELECT object_id, old_value FROM history WHERE object_type = "
                             "'street' AND field = 'street_name' AND old_value IS NOT NULL"
                             ).fetchall()
        moved = con.execute("SELECT object_id, old_value, new_value FROM history WHERE "
                            "field = 'label' AND operation = 'move'").fetchall()
    a["sfx"] = a["suffix"].fillna("")
    names = dict(zip(streets["street_code"], streets["street_name"].fillna(""), strict=True))
    active = a[a["status"].isin(["proposed", "current"])].sort_values("label")
    out: list[dict[str, str]] = []

    def addr(r: object, query: str, notes: list[str]) -> None:
        out.append(row(query, r.label, r.lat, r.lon, 1.0, "address", notes))  # type: ignore[attr-defined]

    # 1. labels with code spellings, case and number order (200)
    for r in active.sample(200, random_state=seed).itertuples():
        num, n1 = number_text(rng, int(r.number), r.sfx)
        street, n2 = code_text(rng, r.street_code)
        q, n3 = assemble(rng, num, street)
        q, n4 = recase(rng, q)
        addr(r, q, ["label", n1, n2, n3, n4])
    # 2. every suffixed address, suffix spellings (all of them)
    for r in active[active["sfx"] != ""].itertuples():
        num, n1 = number_text(rng, int(r.number), r.sfx)
        street, n2 = code_text(rng, r.street_code)
        q, n3 = assemble(rng, num, street)
        addr(r, q, ["suffix", n1, n2, n3])
    # 3. street names with corruptions and context (230)
    named = active[active["street_code"].map(lambda c: bool(names.get(c)))]
    for r in named.sample(230, random_state=seed + 1).itertuples():
        name, notes = corrupt_name(rng, names[r.street_code], rng.choice([0, 1, 1, 2, 2]))
        num, n1 = number_text(rng, int(r.number), r.sfx)
        q, n3 = assemble(rng, num, name)
        extra = rng.random()
        if extra < 0.25:
            qn = r.quartier
            if rng.random() < 0.5:
                qn = rng.choice(ABBREV["quartier"]) + " " + strip_accents(qn.split(" ", 1)[1])
            q, n5 = f"{q}, {qn}", "quartier context"
        elif extra < 0.35:
            zone = int(r.zone)
            q, n5 = f"{q} {zone}{'er' if zone == 1 else 'e'} arrondissement", "zone context"
        else:
            n5 = ""
        q, n4 = recase(rng, q)
        addr(r, q, ["name", *notes, n1, n3, n4, n5])
    # 4. former names (every address of the renamed streets, up to 40)
    for code, old in former:
        rows = active[active["street_code"] == code]
        for r in rows.sample(min(20, len(rows)), random_state=seed + 2).itertuples():
            name, notes = corrupt_name(rng, old, rng.choice([0, 1, 2]))
            num, n1 = number_text(rng, int(r.number), r.sfx)
            q, n3 = assemble(rng, num, name)
            addr(r, q, ["former name", *notes, n1, n3])
    # 5. retired addresses and moved ones (their old label)
    for r in a[a["status"] == "retired"].itertuples():
        num, n1 = number_text(rng, int(r.number), r.sfx)
        street, n2 = code_text(rng, r.street_code)
        out.append(row(f"{num} {street}", r.label, r.lat, r.lon, 1.0, "address",
                       ["retired", n1, n2]))
    by_id = a.set_index("address_id")
    for a_id, old_label, new_label in moved:
        rec = by_id.loc[a_id]
        out.append(row(old_label.lower(), new_label, rec["lat"], rec["lon"], 1.0, "address",
                       ["moved: old label"]))
    # 6. Plus Codes of addresses that are the nearest to their code's centre (60)
    to_m = Transformer.from_crs("EPSG:4326", a.crs, always_xy=True)
    xy = np.c_[shapely.get_x(active.geometry.values), shapely.get_y(active.geometry.values)]
    plus = 0
    for r in active.sample(frac=1.0, random_state=seed + 3).itertuples():
        if plus >= 60:
            break
        code = olc.encode(r.lat, r.lon, 10)
        area = olc.decode(code)
        cx, cy = to_m.transform(area.longitudeCenter, area.latitudeCenter)
        d = np.hypot(xy[:, 0] - cx, xy[:, 1] - cy)
        if active.iloc[int(np.argmin(d))]["label"] != r.label or d.min() > 20:
            continue
        if plus % 2:
            q, note = f"{code[4:]} {rng.choice(['Parakou', 'parakou', 'PARAKOU'])}", "short"
        else:
            q, note = code, "full"
        addr(r, q, [f"Plus Code {note}"])
        plus += 1
    # 7. numbers missing from metric streets: placed by distance along the street (60)
    seg_by = {c: g for c, g in segments.groupby("street_code")}  # noqa: C416
    taken = set(zip(a["street_code"], a["number"].astype(int), strict=True))
    to_ll = Transformer.from_crs(a.crs, "EPSG:4326", always_xy=True)
    st_list = sorted(seg_by)
    made = 0
    while made < 60:
        code = rng.choice(st_list)
        g = seg_by[code]
        length = float((g["offset_m"] + g.geometry.length).max())
        if length < 60:
            continue
        n = rng.randrange(10, int(length) - 10)
        if (code, n) in taken:
            continue
        inside = g[(g["offset_m"] <= n) & (g["offset_m"] + g.geometry.length >= n)]
        piece = inside.iloc[0]
        foot = shapely.line_interpolate_point(piece.geometry, n - piece["offset_m"])
        lon, lat = to_ll.transform(foot.x, foot.y)
        name = names.get(code) or ""
        street, n2 = (code_text(rng, code) if not name or rng.random() < 0.5
                      else (strip_accents(name).lower(), "name"))
        q, n3 = assemble(rng, str(n), street)
        out.append(row(q, f"{n} Rue {code}", lat, lon, 35.0, "interpolated",
                       ["not in the register", n2, n3]))
        taken.add((code, n))
        made += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "tests" / "data" / "geocode" / "generated.csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        register = build_search_register(Path(tmp))
        rows = generate(register, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} queries written to {args.out}")


if __name__ == "__main__":
    main()
