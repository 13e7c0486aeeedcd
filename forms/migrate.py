"""Moving what an earlier version wrote onto the catalog of today, and saying so.

A draft file or a stored draft made before a catalog change still opens: each value is moved to the
field that now holds it, nothing is dropped, and every kind of change is reported once, with how many
rows it touched, so the user can check them (one line each, ``Migration.message``). Signed files are
never migrated: they are sent exactly as built (``forms.schemas`` keeps the schemas they were built with).

Each step is a plain function over the raw rows, so it works on a file being read and on rows coming out
of the store alike, and does nothing to rows that are already new.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from bhxh_desk.forms.messages import render

Rows = dict[str, list[dict[str, Any]]]


class Migration(NamedTuple):
    """One kind of change made to an old draft: a message code of messages.toml, the form, the rows."""

    code: str
    form: str
    count: int

    def message(self, lang: str = "vi") -> str:
        return render(self.code, lang, form=self.form, count=self.count)


OLD_WAGE_ZONES = {"1": "01", "2": "02", "3": "03", "4": "04"}


def _wage_zone(procedure: str, forms: Rows) -> list[Migration]:
    """Until 12/2026 the D02-TS wage zone was written into maVungSS as "1".."4". On the 2026 portal
    maVungLTT ("01".."04") is the wage zone and maVungSS the BHYT residence area (K1/K2/K3)."""
    count = 0
    for row in forms.get("D02-TS", ()):
        old = str(row.get("maVungSS") or "").strip()
        if old in OLD_WAGE_ZONES and not str(row.get("maVungLTT") or "").strip():
            row["maVungLTT"] = OLD_WAGE_ZONES[old]
            del row["maVungSS"]
            count += 1
    return [Migration("migrate.wage_zone", "D02-TS", count)] if count else []


STEPS: tuple[Callable[[str, Rows], list[Migration]], ...] = (_wage_zone,)


def migrate(procedure: str, forms: Rows) -> list[Migration]:
    """Bring ``forms`` (changed in place) to today's catalog; the changes made, one per kind."""
    done: list[Migration] = []
    for step in STEPS:
        done += step(procedure, forms)
    return done
