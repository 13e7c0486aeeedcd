"""The store: one SQLite file (WAL) on a single PC, or an office's PostgreSQL database (``app.store.backend``),
with units, drafts and their rows, state history, audit, the outbox, and in an office editing leases.

Every call is one transaction, committed before it returns, so a crash or kill -9 loses nothing that a
call has returned from. See ``app.store.store.Store``.
"""

from bhxh_desk.app.store.records import AuditEntry, DraftInfo, Lease, SameFiling, StateChange, UnitRecord
from bhxh_desk.app.store.store import Store

__all__ = ["AuditEntry", "DraftInfo", "Lease", "SameFiling", "StateChange", "Store", "UnitRecord"]
