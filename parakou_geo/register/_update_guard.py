"""Private: the mass-change guard of register updates.

An update that would retire, or add again with a suffix, a large share of the register's
active addresses almost always comes from a changed input (the building id column changed type
or name, an incomplete file, unreadable features), not from the town. It is refused before
anything is written, with the counts and the likely cause.
"""

from __future__ import annotations

import pyarrow as pa

from parakou_geo._errors import MassChangeError
from parakou_geo.register._update_match import BuildingMatch, id_keys, text_id_keys
from parakou_geo.register._update_plan import UpdatePlan
from parakou_geo.settings import MAX_CHANGE_SHARE

__all__ = ["MASS_CHANGE_MIN", "MAX_CHANGE_SHARE", "check_mass_change"]

#: Changes of up to this many addresses are never treated as a mass change (small registers).
MASS_CHANGE_MIN = 4


def check_mass_change(
    plan: UpdatePlan, match: BuildingMatch, active_ids: pa.Array, share: float
) -> None:
    """Refuse an update that would retire or re-suffix a large share of the register.

    Parameters
    ----------
    plan : UpdatePlan
        What the update would change.
    match : BuildingMatch
        How the new buildings were matched (for the likely cause).
    active_ids : pyarrow.Array
        Building ids of the register's active addresses.
    share : float
        Largest share (0-1) of the active addresses an update may retire or re-suffix.

    Raises
    ------
    MassChangeError
        With the counts and the likely cause.
    """
    active, gone = len(active_ids), len(plan.retire) + len(plan.deferred)
    new_rows = plan.added.rows
    suffixed = int((new_rows["suffix"].fillna("").astype(str) != "").sum()) if len(new_rows) \
        else 0
    allowed = max(share * active, MASS_CHANGE_MIN)
    if gone <= allowed and suffixed <= allowed:
        return
    pct = 100 * share
    raise MassChangeError(
        f"update refused: it would retire {gone:,} of the register's {active:,} active "
        f"addresses ({100 * gone / max(active, 1):.0f} %) and give {suffixed:,} new addresses "
        f"a suffix (bis, ter...), more than the {pct:g} % an update may change unasked. "
        f"Likely cause: {_likely_cause(match, active_ids)}. "
        "The register is unchanged. If this mass change is real, run again with "
        "--allow-mass-retirement (allow_mass_retirement=True), or raise the limit with "
        "--max-change-share.")


def _likely_cause(match: BuildingMatch, active_ids: pa.Array) -> str:
    """Guess why an update would retire so much, from the ids and the features."""
    buildings, id_col, dropped, active = (match.buildings, match.id_col, match.dropped,
                                          len(active_ids))
    source = str(buildings.attrs.get("source", "the buildings layer"))
    causes: list[str] = []
    old_keys = set(text_id_keys(active_ids).to_pylist())
    if id_col is None:
        causes.append(f"{source} has no building id column, so buildings were matched by "
                      "footprint; if its ids are in a renamed column, name it with the "
                      "building_id_column setting")
    else:
        new_keys = {k for k in id_keys(buildings[id_col]).to_pylist() if k is not None}
        matched = len(new_keys & old_keys)
        if not matched:
            stripped_old = {k.lstrip("0") for k in old_keys}
            padded = sorted(k for k in new_keys if k.lstrip("0") in stripped_old)[:1]
            if padded:
                causes.append(
                    f"the id column {id_col!r} changed type: its ids are written differently "
                    f"(e.g. {padded[0]!r} in {source}, without the leading zeros in the "
                    "register); convert the column back to the register's form")
            else:
                causes.append(f"no id of column {id_col!r} in {source} is in the register "
                              "(the column changed name or meaning?)")
        for col in buildings.columns:
            if col in (id_col, "geometry"):
                continue
            keys = set(id_keys(buildings[col].astype(object)).to_pylist())
            if len(keys & old_keys) > max(0.5 * len(old_keys), 2 * matched):
                causes.append(f"column {col!r} holds the register's building ids: set the "
                              f"building_id_column setting to {col!r}")
                break
    if len(buildings) < 0.9 * active:
        causes.append(f"{source} has only {len(buildings):,} features for {active:,} active "
                      "addresses (an incomplete file, or features that could not be read)")
    if len(dropped):
        causes.append(f"{len(dropped):,} features of {source} have no usable geometry")
    return "; ".join(causes) or f"many buildings of the register are absent from {source}"
