"""The local store: one SQLite file (WAL) with units, drafts and their rows, state history and audit.

Every call is one transaction, committed before it returns, so a crash or kill -9 loses nothing that a
call has returned from. See ``app.store.store.Store``.
"""

from bhxh_desk.app.store.records import AuditEntry, DraftInfo, StateChange, UnitRecord
from bhxh_desk.app.store.store import Store

__all__ = ["AuditEntry", "DraftInfo", "StateChange", "Store", "UnitRecord"]
