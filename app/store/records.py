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
