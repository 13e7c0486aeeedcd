"""A dossier's attachments, kept in the store: the use cases behind the window's attachment picker and
``bhxh-desk drafts attach`` / ``drafts import --adopt-attachments``.

A stored dossier never points at a path: the chosen file is read once, the bounded way
(``forms.attachments.chosen_file``), and its bytes are copied into the dossier's own rows in the store, so
moving or deleting the original changes nothing, and a draft file exported from the store carries the
attachment embedded. Adding or removing one is an edit like any other: a Valid or Signed dossier goes
back to Draft (a signature covers exact bytes), and a filed one is refused by the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bhxh_desk.forms.attachments import Attachment, AttachmentFolders, chosen_file
from bhxh_desk.forms.errors import DraftError

if TYPE_CHECKING:
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import Draft


def attach_file(store: Store, draft_id: int, path: str | Path, *, name: str | None = None, description: str = "",
                kind: str = "", expected_revision: int | None = None) -> Attachment:
    """Copy the file the user chose into dossier ``draft_id``'s store, as its last attachment.

    ``path`` may be anywhere (the user picked it), but it must be a regular file no larger than the limit
    of one attachment, of an accepted type by its content, and within the dossier's total; otherwise a
    ``DraftError`` names it and why, and nothing is stored. ``name`` is the name shown and written to
    TenFile (default: the file's own name); ``kind`` a code of ``loai_giay_to``. ``expected_revision``
    guards against overwriting a newer edit (``store.conflict``). Returns the attachment as stored."""
    draft = store.load_draft(draft_id)
    att = chosen_file(path, name=name, description=description, kind=kind, existing=draft.attachments)
    store.save_draft(draft_id, replace(draft, attachments=[*draft.attachments, att]),
                     expected_revision=expected_revision)
    return att


def remove_attachment(store: Store, draft_id: int, index: int, *, expected_revision: int | None = None) -> Attachment:
    """Take attachment ``index`` (0-based, as listed) out of the stored dossier; returns what was removed."""
    draft = store.load_draft(draft_id)
    if not 0 <= index < len(draft.attachments):
        from bhxh_desk.forms.errors import StoreError

        raise StoreError("store.not_found", what="attachment", key=str(index + 1))
    kept = [a for i, a in enumerate(draft.attachments) if i != index]
    store.save_draft(draft_id, replace(draft, attachments=kept), expected_revision=expected_revision)
    return draft.attachments[index]


def read_for_import(path: str | Path, *, folders: Sequence[str | Path] = (), adopt: bool = False) -> Draft:
    """A draft file as ``drafts import`` reads it: attachments from its own folder, or from ``folders``; with
    ``adopt``, also from the paths outside them that it names (a draft of release 0.1 with absolute paths),
    which the import then copies into the store. Devices, pipes and oversized files are refused either way."""
    from bhxh_desk.forms.draft import read_draft

    return read_draft(path, AttachmentFolders(tuple(Path(f) for f in folders), adopt=adopt))


def export_problem(draft: Draft) -> DraftError | None:
    """Why a stored dossier cannot be exported to a draft file with its attachments embedded (their stated
    limit together, forms.attachments.MAX_ALL), or None."""
    from bhxh_desk.forms.attachments import total_problem

    return total_problem(draft.attachments)
