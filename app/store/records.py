"""Typed rows the store hands out; callers never see sqlite3.Row or dicts."""

from __future__ import annotations

from dataclasses import dataclass

from bhxh_desk.app.workflow import State


@dataclass(frozen=True, slots=True)
class UnitRecord:
    id: int
    code: str
    name: str
    tax_code: str
    agency_code: str
    signer: str
    phone: str


@dataclass(frozen=True, slots=True)
class DraftInfo:
    id: int
    unit_code: str
    procedure: str
    period: str
    state: State
    revision: int
    created_at: str
    updated_at: str
    rows: int


@dataclass(frozen=True, slots=True)
class StateChange:
    state: State
    at: str
    note: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    action: str
    draft_id: int | None
    detail: str
    clerk: str = ""           # the OS user who made the change
    clerk_name: str = ""      # and the name the office knows them by


@dataclass(frozen=True, slots=True)
class Lease:
    """Who edits a dossier, since when and until when (seconds since 1970 on the store's clock)."""
    draft_id: int
    holder: str
    holder_name: str
    since: float
    expires: float
    mine: bool                # held by the token that asked
    now: float                # the store's clock when read

    @property
    def remaining(self) -> float:
        return max(0.0, self.expires - self.now)


@dataclass(frozen=True, slots=True)
class SameFiling:
    """Another dossier for the same unit, procedure and period."""
    draft_id: int
    owner: str
    owner_name: str
    state: State
    created_at: str
