"""Private: fold and parse a free-text address query into its parts.

A query such as ``"douze bis, R2.045 à Banikanni"`` or ``"rue des manguiers 12B qtr 2-A"``
is folded (accents, case and punctuation dropped, abbreviations expanded) and split into a
door number with its suffix, a street code, a Plus Code, arrondissement context and the
remaining words, which the geocoder matches against street and quartier names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from parakou_geo.numbering import LATIN_SUFFIXES

__all__ = [
    "MAX_QUERY_CHARS", "ParsedQuery", "fold", "parse_query", "place_pattern", "suffix_aliases",
]

#: Longest query accepted (characters); an address never needs more.
MAX_QUERY_CHARS = 300

#: Abbreviations people write, and the word they stand for (folded forms).
ABBREVIATIONS: dict[str, str] = {
    "av": "avenue", "ave": "avenue", "avn": "avenue",
    "bd": "boulevard", "bld": "boulevard", "blvd": "boulevard", "bvd": "boulevard",
    "boul": "boulevard", "bl": "boulevard",
    "rte": "route", "imp": "impasse", "pl": "place", "ch": "chemin", "chem": "chemin",
    "all": "allee", "carr": "carrefour", "carref": "carrefour", "pass": "passage",
    "sq": "square", "qtr": "quartier", "qrt": "quartier", "qt": "quartier",
    "qart": "quartier", "quart": "quartier", "arr": "arrondissement",
    "arrdt": "arrondissement", "arrond": "arrondissement", "arrt": "arrondissement",
    "st": "saint", "ste": "sainte", "r": "rue",
}

#: Street types (folded): part of a name, but too common to find a street by.
STREET_TYPES = frozenset({
    "rue", "avenue", "boulevard", "place", "impasse", "allee", "route", "chemin", "ruelle",
    "carrefour", "voie", "passage", "square", "quai", "von",
})

#: Words that carry no address information.
STOPWORDS = frozenset({
    "a", "au", "aux", "de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "pres",
    "parakou", "benin", "commune", "numero", "num", "no", "n", "porte", "maison", "sur",
    "cote", "vers", "dans", "the",
})

_FRENCH_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90,
}
_CENT = frozenset({"cent", "cents"})
_MILLE = frozenset({"mille", "mil"})

_OLC = "23456789CFGHJMPQRVWX"
_PLUS_RE = re.compile(rf"(?<![0-9A-Z])([{_OLC}]{{2,8}}0*\+[{_OLC}]{{0,3}})(?![0-9A-Z])",
                      re.IGNORECASE)
_LATIN = "|".join(sorted(LATIN_SUFFIXES, key=len, reverse=True))
_ARR_RE = re.compile(
    r"\b(\d{1,2})\s*(?:er|ere|e|eme|ieme|em)?\s+arrondissement\b"
    r"|\barrondissement\s+(?:n\s+)?(\d{1,2})\b")
_CODE_RE = re.compile(
    r"(?:\b(?:rue|r)\s*)?(?<![\d.,])(\d{1,2})\s?[.,]\s?(\d{1,4})(?![\d]|\s?[.,]\s?\d)")
_CODE_SPACED_RE = re.compile(r"\b(?:rue|r)\s*(\d{1,2})\s+(\d{3,4})\b")
_CODE_GLUED_RE = re.compile(r"\b(?:rue|r)\s*(\d)(\d{3,4})\b")
_NUMBER_RE = re.compile(
    rf"(?<![\d.,])(\d{{1,5}})(?:\s*({_LATIN})\b|([a-z]{{1,2}})\b|\s+([a-z])\b)?(?![\d.,]\d)")
_ORDINAL_TAILS = frozenset({"er", "e", "em", "re"})


def fold(text: str) -> str:
    """Return ``text`` without accents, in lower case, with punctuation as spaces.

    Dots and commas between digits (``2.045``) and ``+`` (Plus Codes) are kept.

    Examples
    --------
    >>> fold("  Rue de l'Indépendance, 12 BIS ")
    'rue de l independance 12 bis'
    >>> fold("R2.045")
    'r2.045'
    """
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    t = t.replace("n°", " ").replace("nº", " ").replace("°", " ")
    t = re.sub(r"(?<=\d) ?\. ?(?=\d)", ".", t)
    t = re.sub(r"[^0-9a-z.,+]+", " ", t)
    t = re.sub(r"(?<!\d)[.,]|[.,](?!\d)", " ", t)
    return " ".join(t.split())


def suffix_aliases(suffix: str) -> frozenset[str]:
    """Return the folded suffix spellings that mean the same (``b`` and ``bis``).

    Examples
    --------
    >>> sorted(suffix_aliases("bis"))
    ['b', 'bis']
    >>> sorted(suffix_aliases("A"))
    ['a']
    """
    s = suffix.casefold()
    if not s:
        return frozenset({""})
    out = {s}
    for latin in LATIN_SUFFIXES[:3]:  # bis/b, ter/t, quater/q as people write them
        if s in (latin, latin[0]):
            out |= {latin, latin[0]}
    return frozenset(out)


@dataclass
class ParsedQuery:
    """The parts of a folded query.

    Attributes
    ----------
    text : str
        The folded query.
    number : int or None
        The door number.
    suffix : str
        Its suffix (folded), empty when none.
    suffix_firm : bool
        ``False`` when the suffix is a lone letter that may be a word (``12 a`` = « 12 à »).
    codes : list of str
        Street codes written in the query (``2.045``).
    plus_code : str or None
        A Plus Code, upper case.
    zones : list of str
        Arrondissements named as context (``2e arrondissement`` → ``2``).
    quartiers : list of str
        Quartiers named as context (found by ``places``).
    words : list of str
        The remaining words, abbreviations expanded, stop words kept.
    numbers_left : list of int
        Other numbers found (kept for the quartier names that contain digits).
    """

    text: str
    number: int | None = None
    suffix: str = ""
    suffix_firm: bool = True
    codes: list[str] = field(default_factory=list)
    plus_code: str | None = None
    zones: list[str] = field(default_factory=list)
    quartiers: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    numbers_left: list[int] = field(default_factory=list)

    @property
    def name_words(self) -> list[str]:
        """Words that can name a street (no stop words)."""
        return [w for w in self.words if w not in STOPWORDS]


def _words_to_digits(text: str, *, leading_only: bool = False) -> str:
    """Rewrite French number words as digits (``quarante-cinq`` → ``45``).

    ``point`` between two numbers becomes a dot, so ``deux point zero quarante-cinq`` gives
    ``2.045`` (a spoken street code keeps its leading zero as a word).
    """
    words = text.replace("-", " ").split()
    out: list[str] = []
    i = 0
    while i < len(words):
        j, value, digits = i, 0, ""
        current = 0
        seen = False
        while j < len(words):
            w = words[j]
            if w == "et" and seen and j + 1 < len(words) and words[j + 1] in ("un", "une",
                                                                                "onze"):
                j += 1
                continue
            if w in _FRENCH_UNITS:
                n = _FRENCH_UNITS[w]
                if n == 0 and not seen:
                    digits += "0"
                    j += 1
                    continue
                if n == 20 and current % 100 in (4,):
                    current = current - 4 + 80  # quatre-vingt
                else:
                    current += n
                seen = True
            elif w in _CENT:
                current = max(current, 1) * 100 if current % 100 == current else current * 100
                seen = True
            elif w in _MILLE:
                value += max(current, 1) * 1000
                current = 0
                seen = True
            else:
                break
            j += 1
        if seen:
            out.append(digits + str(value + current))
            i = j
        elif digits:
            out.append(digits)
            i = j
        else:
            out.append(words[i])
            i += 1
        if leading_only:
            out += words[i:]
            break
    joined = " ".join(out)
    return re.sub(r"(\d+) (?:point|virgule) (\d+)", r"\1.\2", joined)


def _expand(words: list[str]) -> list[str]:
    return [ABBREVIATIONS.get(w, w) for w in words]


def place_pattern(keys: list[str]) -> re.Pattern[str]:
    """Return one pattern finding any of the folded place names ``keys`` in a folded query."""
    alternatives = "|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True))
    return re.compile(rf"(?:\bquartier )?\b({alternatives or '(?!x)x'})\b")


def parse_query(
    query: str,
    *,
    places: re.Pattern[str] | None = None,
    place_names: dict[str, str] | None = None,
) -> ParsedQuery:
    """Split ``query`` into its parts (see :class:`ParsedQuery`).

    Parameters
    ----------
    query : str
        The text typed.
    places : re.Pattern, optional
        From :func:`place_pattern`: quartier names removed (as context) before numbers are
        read, so that a name holding a digit (« Quartier 2-A ») is not taken for a number.
    place_names : dict of str to str, optional
        Folded place name → the quartier name to report.

    Examples
    --------
    >>> p = parse_query("12 BIS R2.045")
    >>> p.number, p.suffix, p.codes
    (12, 'bis', ['2.045'])
    >>> p = parse_query("Rue 2 045, 7b")
    >>> p.number, p.suffix, p.codes
    (7, 'b', ['2.045'])
    >>> parse_query("douze bis rue deux point zero quarante-cinq").codes
    ['2.045']
    """
    raw = query[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(text="")
    plus = _PLUS_RE.search(unicodedata.normalize("NFKC", raw))
    if plus:
        parsed.plus_code = plus.group(1).upper()
        raw = raw[:plus.start()] + " " + raw[plus.end():]
    text = fold(raw)
    text = " ".join(_expand(text.split()))
    # spoken numbers: everywhere when nothing is in digits ("douze bis, rue deux point
    # zéro quarante-cinq"), else only a leading door number ("quatre-vingt-douze rue 1.005"),
    # so that a name such as "Rue des Deux Tours" keeps its word
    text = _words_to_digits(text, leading_only=any(ch.isdigit() for ch in text))
    parsed.text = text

    def take_zone(m: re.Match[str]) -> str:
        parsed.zones.append(str(int(m.group(1) or m.group(2))))
        return " "

    text = _ARR_RE.sub(take_zone, text)
    if places is not None:

        def take_place(m: re.Match[str]) -> str:
            key = m.group(1)
            parsed.quartiers.append((place_names or {}).get(key, key))
            return " "

        text = places.sub(take_place, text)

    def take_code(m: re.Match[str]) -> str:
        digits = m.group(2)  # kept as written when it has 4 digits (large registers)
        number = digits if len(digits) > 3 else f"{int(digits):03d}"
        parsed.codes.append(f"{int(m.group(1))}.{number}")
        return " "

    text = _CODE_RE.sub(take_code, text)
    text = _CODE_SPACED_RE.sub(take_code, text)
    text = _CODE_GLUED_RE.sub(take_code, text)
    number = _NUMBER_RE.search(text)
    while number is not None:
        tail = number.group(3) or ""
        if tail in _ORDINAL_TAILS:  # "1er", "2e": an ordinal, part of a name
            number = _NUMBER_RE.search(text, number.end())
            continue
        parsed.number = int(number.group(1))
        if number.group(2):
            parsed.suffix = number.group(2)
        elif tail:
            parsed.suffix = tail
        elif number.group(4):
            parsed.suffix, parsed.suffix_firm = number.group(4), False
        text = text[:number.start()] + " " + text[number.end():]
        break
    words = text.split()
    parsed.numbers_left = [int(w) for w in words if w.isdigit()]
    parsed.words = [w for w in words
                    if not w.isdigit() and (w != "rue" or not parsed.codes)]
    return parsed
