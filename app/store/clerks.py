"""Who is working: the clerk at this workstation (OS user and display name), and, in an office store, the
units each clerk is given.

The display name is the ``clerk_name`` setting, else the OS account's full name, else its login. Every
audit entry carries both, so the office can tell who changed, signed or filed what. Which units a clerk
sees is decided here, by the client (docs/office.md says so plainly): a clerk with the office role sees
every unit and assigns them; another sees the units assigned to them, or every unit while the office has
assigned none at all (a store that has just moved in). Where the server must enforce it, the row-level
security of ``app.store.postgres_rls`` does.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Clerk:
    login: str
    name: str


def current_clerk() -> Clerk:
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = os.environ.get("USERNAME", "") or "?"
    name = ""
    try:
        from bhxh_desk.app.settings import Settings

        name = str(Settings.load().get("clerk_name") or "").strip()
    except (OSError, ValueError, KeyError):
        name = ""
    if not name:
        try:
            import pwd

            name = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
        except (ImportError, KeyError):
            name = ""
    return Clerk(login, name or login)


class Clerks:
    """The office's clerks and their units (both back ends; meaningful in an office store)."""

    def __init__(self, store) -> None:
        self.store = store

    def set_clerk(self, login: str, name: str = "", *, office_role: bool = False, by: str | None = None) -> None:
        """Add or change a clerk. With ``by`` (the command line's clerk), only the office role may, once
        the office has one: the first clerk given the office role sets the office up."""
        from bhxh_desk.forms.errors import StoreError

        if by is not None and self.store.read("SELECT 1 FROM clerks WHERE office_role = 1 LIMIT 1") \
                and not self.is_office(by):
            raise StoreError("store.not_office", clerk=by)
        with self.store.transaction() as c:
            c.execute("INSERT INTO clerks (login, name, office_role) VALUES (?, ?, ?) ON CONFLICT (login) DO UPDATE "
                      "SET name = excluded.name, office_role = excluded.office_role", (login, name, int(office_role)))
            self.store.log(c, "clerk", None, f"{login} office_role={int(office_role)}")

    def is_office(self, login: str) -> bool:
        rows = self.store.read("SELECT office_role FROM clerks WHERE login = ?", (login,))
        return bool(rows and rows[0][0])

    def assign(self, login: str, units: list[str], *, by: str) -> None:
        """Give a clerk these units; only a clerk with the office role may (``by``)."""
        from bhxh_desk.forms.errors import StoreError

        if not self.is_office(by):
            raise StoreError("store.not_office", clerk=by)
        with self.store.transaction() as c:
            for unit in units:
                c.execute("INSERT INTO clerk_units (login, unit) VALUES (?, ?) ON CONFLICT (login, unit) DO NOTHING",
                          (login, unit))
            self.store.log(c, "assign", None, f"{login}: {', '.join(units)}")

    def units_of(self, login: str) -> list[str]:
        return [r[0] for r in self.store.read("SELECT unit FROM clerk_units WHERE login = ? ORDER BY unit", (login,))]

    def visible_units(self, login: str) -> list[str] | None:
        """The unit codes this clerk may see; None means all of them."""
        if self.is_office(login):
            return None
        if not self.store.read("SELECT 1 FROM clerk_units LIMIT 1"):
            return None
        return self.units_of(login)
