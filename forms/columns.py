"""Which column of a sheet holds which field of a form.

A clerk's spreadsheet rarely carries the paper's exact labels: "Số CCCD" stands for "Số CCCD/ĐDCN/Hộ chiếu",
"Chức vụ" for "Cấp bậc, chức vụ, chức danh nghề", "Tiền lương" for "Tiền lương (hoặc hệ số)". A header matches a
field by the field's XML name, its label, or one of the ``aliases`` the catalog gives it (forms are data: the
variants live in ``resources/catalog``, not here). Accents, case, spaces and punctuation are ignored.

Every column is accounted for: a header that matches nothing, a second column for a field already taken, or data
under no header at all is listed as unused, never dropped unseen. The user may then map a column by hand (the
window's preview, the command line's ``--column C=Cmnd``). Excel import, the preview and the command line all map
through ``map_columns``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from bhxh_desk.forms.model import Field

HEADER_ROWS = 10          # the header is looked for in the sheet's first rows only


def header_key(text: Any) -> str:
    """"Số CCCD/CMND *" and "so cccd cmnd" alike: no accents (đ is d), no case, no spaces or punctuation."""
    folded = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[\W_]+", "", "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold())


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Column(NamedTuple):
    index: int              # from 0
    letter: str
    header: str             # as written in the file ("" for data under no header)
    field: str | None       # the form field it fills, or None: not used
    how: str                # "name", "label", "alias", "hand"; for an unused one: "unknown", "taken", "no_header",
                            # "hand" (set aside by the user)
    matched: str | None = None    # for "taken": the field its header names, which an earlier column fills


@dataclass(frozen=True, slots=True)
class SheetMap:
    """How one sheet's columns map to a form's fields."""

    sheet: str
    header_row: int                   # from 1
    columns: tuple[Column, ...]       # every column with a header or data, in the sheet's order

    def used(self) -> dict[int, str]:
        return {c.index: c.field for c in self.columns if c.field is not None}

    def unused(self) -> list[Column]:
        return [c for c in self.columns if c.field is None]


def _keys(fields: Sequence[Field]) -> dict[str, tuple[Field, str]]:
    """Each header key → (field, how). The XML name wins over a label, a label over an alias; a key that two
    fields claim at one level is left out, so such a header is mapped by hand, never guessed."""
    table: dict[str, tuple[Field, str]] = {}
    for how, values in (("alias", lambda f: f.aliases), ("label", lambda f: (f.label_vi, f.label_en)),
                        ("name", lambda f: (f.name,))):
        level: dict[str, Field] = {}
        clashes: set[str] = set()
        for f in fields:
            for key in filter(None, map(header_key, values(f))):
                if level.get(key, f) is not f:
                    clashes.add(key)
                level[key] = f
        for key in clashes:
            level.pop(key)
            table.pop(key, None)
        table.update({key: (f, how) for key, f in level.items()})
    return table


def map_columns(headers: Sequence[Any], fields: Sequence[Field], by_hand: Mapping[str, str | None] | None = None,
                data_columns: Iterable[int] = ()) -> tuple[Column, ...]:
    """The columns of one header row. ``by_hand`` maps a column letter to a field name, or to None to set it
    aside; ``data_columns`` are the columns that hold data, so that one with no header is listed too."""
    table = _keys(fields)
    names = {f.name for f in fields}
    by_hand = {k.upper(): v for k, v in (by_hand or {}).items()}
    taken = {v for v in by_hand.values() if v}
    columns: dict[int, Column] = {}
    for i, value in enumerate(headers):
        header = "" if value is None else str(value).strip()
        letter = column_letter(i)
        if letter in by_hand:
            chosen = by_hand[letter]
            columns[i] = Column(i, letter, header, chosen if chosen in names else None, "hand")
            continue
        if not header:
            continue
        match = table.get(header_key(header))
        if match is None:
            columns[i] = Column(i, letter, header, None, "unknown")
        elif match[0].name in taken:
            columns[i] = Column(i, letter, header, None, "taken", match[0].name)
        else:
            taken.add(match[0].name)
            columns[i] = Column(i, letter, header, match[0].name, match[1])
    for i in data_columns:
        if i not in columns:
            letter = column_letter(i)
            chosen = by_hand.get(letter)
            columns[i] = (Column(i, letter, "", chosen, "hand") if chosen in names
                          else Column(i, letter, "", None, "no_header"))
    return tuple(columns[i] for i in sorted(columns))


def find_header(rows: Iterable[tuple[int, Sequence[Any]]], fields: Sequence[Field]) -> tuple[int, tuple[Column, ...]]:
    """The header row among the first rows (number, values): the one that maps most fields. On a tie the later row
    wins, since data starts below it (an exported sheet has its labels, then its XML names). (0, ()) if none."""
    best: tuple[int, tuple[Column, ...]] = (0, ())
    best_count = 0
    for number, values in rows:
        if number > HEADER_ROWS:
            break
        columns = map_columns(values, fields)
        count = sum(1 for c in columns if c.field is not None)
        if count and count >= best_count:
            best, best_count = (number, columns), count
    return best
