"""Whole dossiers: copy one into a new dossier (a duplicate, or the correction of a filed one), delete,
export to a draft file. The window's context menu and the command line call these; what each state
allows is ``app.workflow``'s."""

from __future__ import annotations

import copy
from pathlib import Path

from bhxh_desk.app import workflow
from bhxh_desk.app.store import Store
from bhxh_desk.forms.draft import Draft, write_draft


def copy_into_new(store: Store, draft_id: int) -> int:
    """A new Draft with the same procedure, period, unit, rows and attachments; the original is untouched
    (a filed dossier keeps its receipt and result). Returns the new dossier's id."""
    workflow.require(store.draft_info(draft_id).state, workflow.Action.COPY)
    source = store.load_draft(draft_id)
    new = Draft(procedure=source.procedure, period=source.period, unit=copy.deepcopy(source.unit),
                forms=copy.deepcopy(source.forms), attachments=list(source.attachments),
                agent=copy.deepcopy(source.agent))
    new_id = store.create_draft(new, action="copy")
    store.record("copy", new_id, f"from dossier {draft_id}")
    return new_id


def delete(store: Store, draft_id: int) -> None:
    """Refused once the dossier was sent: its receipt and result are the unit's record."""
    workflow.require(store.draft_info(draft_id).state, workflow.Action.DELETE)
    store.delete_draft(draft_id)


def export(store: Store, draft_id: int, path: Path) -> Path:
    """The dossier as a portable draft file (bhxh-desk/draft@1), attachments embedded: refused when they
    exceed their stated limit together, or when the file would be too large to read back; audited."""
    from bhxh_desk.app.actions.attachments import export_problem

    draft = store.load_draft(draft_id)
    if (problem := export_problem(draft)) is not None:
        raise problem
    store.record("export", draft_id, str(path))
    write_draft(draft, path)
    return path
