"""From what a person types or pastes to the code a field stores, for every code field of the catalog.

A clerk knows "Nữ", "Việt Nam" or "Phường Sài Gòn", not 0, VN or 26734. ``resolve`` maps such a readable
value to its code, and ``matches`` ranks a code list's entries for a picker as the clerk types. Both read
the catalog's code lists only: no form or field is known here by name. The window's pickers, its paste,
and the command line's and Excel's import can all use them.

Matching ignores case, accents (đ counts as d, "Thuỷ" as "Thủy") and spacing. A value is taken only when it
names exactly one entry: a name several entries share ("Xã Vĩnh Thanh" in three provinces) comes back as
``Ambiguous`` with its candidates, for the caller to ask about. Never guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bhxh_desk.forms.catalog import code_list
from bhxh_desk.forms.model import CodeEntry, CodeList, Field

# The kinds of place a province or commune label starts with: "Hà Nội" names "Thành phố Hà Nội", and
# "Sài Gòn" names "Phường Sài Gòn" (once the province narrows it to one).
PLACE_PREFIXES = ("thanh pho", "tp", "tinh", "phuong", "xa", "dac khu", "thi tran", "thi xa", "quan", "huyen")


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """``text`` names several entries; the caller asks which one (with their labels and parents).
    ``partial``: it is only the start of their labels (a picker may offer its first match), not a whole
    name they share."""

    text: str
    choices: tuple[CodeEntry, ...]
    partial: bool = False


@dataclass(frozen=True, slots=True)
class NotFound:
    """``text`` is neither a code nor a label of the field's list (within the parent, when one is given)."""

    text: str


Resolution = str | Ambiguous | NotFound


def fold(text: str) -> str:
    """Lower case, no accents, đ as d, punctuation as spaces, single spaces: what two spellings of one name
    have in common ("Thành phố Hồ Chí Minh" and "thanh pho ho chi minh")."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _bare(folded: str) -> str:
    """A folded label without its kind of place ("phuong sai gon" → "sai gon")."""
    for prefix in PLACE_PREFIXES:
        if folded.startswith(prefix + " "):
            return folded[len(prefix) + 1:]
    return folded


def codes_of(f: Field | str) -> CodeList:
    """The code list of a code field (or a code list by name)."""
    return code_list(f if isinstance(f, str) else f.codes or "")


_INDEX: dict[int, tuple[CodeList, list[tuple[CodeEntry, tuple[str, ...], tuple[str, ...]]]]] = {}


def _indexed(codes: CodeList, parent: str | None) -> list[tuple[CodeEntry, tuple[str, ...], tuple[str, ...]]]:
    """Each entry with its labels folded, and without their kind of place, made once per list: a picker
    asks on every key, and folding 3,321 communes' names each time took 45 ms."""
    held = _INDEX.get(id(codes))
    if held is None or held[0] is not codes:
        index = []
        for e in codes.entries.values():
            folded = tuple(fold(label) for label in _labels(e))
            index.append((e, folded, tuple(_bare(label) for label in folded)))
        held = _INDEX[id(codes)] = (codes, index)
    return [item for item in held[1] if item[0].parent == parent] if parent else held[1]


def entries(codes: CodeList, parent: str | None = None) -> list[CodeEntry]:
    """The list's entries in catalog order, only those under ``parent`` when it is given (communes of one
    province)."""
    values = codes.entries.values()
    return [e for e in values if e.parent == parent] if parent else list(values)


def _padded(codes: CodeList, text: str) -> str | None:
    """ "1" for "01" where every code of the list is that long and made of digits."""
    if not text.isdigit() or not codes.entries:
        return None
    widths = {len(c) for c in codes.entries}
    if len(widths) != 1 or not all(c.isdigit() for c in codes.entries):
        return None
    width = widths.pop()
    return text.zfill(width) if len(text) < width else None


def resolve(f: Field | str, text: str, *, parent: str | None = None) -> Resolution:
    """The code ``text`` stands for in the field's code list: the code itself, or a readable value.

    In order: the code as typed (any case); a shorter number of an all-digit list padded ("1" → "01"); the
    whole label, first as written and then without accents; the label without its kind of place; the start
    of exactly one label. ``parent`` narrows the list to one parent's entries (the row's province for a
    commune). An empty text resolves to "" (the cell is cleared). A list that is known to be incomplete
    (``complete = false``, the hospitals) takes a code of its pattern as typed.
    """
    codes = codes_of(f)
    raw = " ".join(str(text).split())
    if not raw:
        return ""
    pool = entries(codes, parent)
    by_code = {e.code.casefold(): e for e in pool}
    if raw.casefold() in by_code:
        return by_code[raw.casefold()].code
    padded = _padded(codes, raw)
    if padded is not None and padded in by_code:
        return padded
    if not codes.complete and codes.code_pattern and re.fullmatch(codes.code_pattern.strip("^$"), raw):
        return raw
    indexed = _indexed(codes, parent)
    written = " ".join(raw.casefold().split())
    wanted = fold(raw)
    for hits in ([e for e in pool if any(" ".join(label.casefold().split()) == written for label in _labels(e))],
                 [e for e, folded, _bare_labels in indexed if wanted in folded],
                 [e for e, _folded, bare in indexed if _bare(wanted) in bare]):
        if len(hits) == 1:
            return hits[0].code
        if hits:
            return Ambiguous(raw, tuple(hits))
    starts = [e for e, folded, bare in indexed
              if any(label.startswith(wanted) for label in folded + bare)]
    if len(starts) == 1:
        return starts[0].code
    return Ambiguous(raw, tuple(starts), partial=True) if starts else NotFound(raw)


def _labels(e: CodeEntry) -> tuple[str, ...]:
    return tuple(label for label in (e.label_vi, e.label_en) if label)


def matches(f: Field | str, text: str, *, parent: str | None = None, limit: int = 50) -> list[CodeEntry]:
    """The entries a picker offers for ``text``, best first: the code itself, codes that start with it,
    labels that start with it, labels with a word that starts with it, then labels that hold it. Accents
    and case are ignored. An empty text offers the whole list (under ``parent``)."""
    codes = codes_of(f)
    wanted = fold(text)
    if not wanted:
        return entries(codes, parent)[:limit]
    ranked: list[tuple[int, int, CodeEntry]] = []
    for order, (e, labels, bare) in enumerate(_indexed(codes, parent)):
        code = e.code.casefold()
        if code == wanted.replace(" ", ""):
            rank = 0
        elif code.startswith(wanted):
            rank = 1
        elif any(label.startswith(wanted) for label in labels + bare):
            rank = 2
        elif any(f" {wanted}" in f" {label}" for label in labels):
            rank = 3
        elif any(wanted in label for label in labels):
            rank = 4
        else:
            continue
        ranked.append((rank, order, e))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [e for *_, e in ranked[:limit]]


def label_of(f: Field | str, code: str, lang: str = "vi") -> str | None:
    """The label of a code, or None when the list does not hold it."""
    entry = codes_of(f).entries.get(str(code))
    return entry.label(lang) if entry is not None else None
