"""Validating and building: what both faces do before a dossier can be signed, and how a validation
moves a stored dossier between Draft and Valid (the core decides, app.workflow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bhxh_desk.forms.errors import StoreError

if TYPE_CHECKING:
    from datetime import date

    from bhxh_desk.app.store import Store
    from bhxh_desk.app.workflow import State
    from bhxh_desk.forms.draft import Draft
    from bhxh_desk.forms.validate import Issue


def check_memo():
    """The record of files already checked in full (forms.checkmemo), in the user's cache folder."""
    from bhxh_desk.app.paths import default_paths
    from bhxh_desk.forms.checkmemo import CheckMemo

    return CheckMemo(default_paths().cache / "checked")


def validate(draft: Draft, store: Store | None = None, *, pause=None) -> list[Issue]:
    """The catalog's checks, plus the unit's employee register when there is a store to ask."""
    from bhxh_desk.forms.validate import check

    issues = check(draft, pause=pause).issues
    if store is not None:
        from bhxh_desk.app.store.register import check as register_check

        issues = issues + register_check(store, draft)
    return issues


def build(draft: Draft, *, created: date | None = None) -> bytes:
    """The unsigned envelope, checked against the XSDs; raises InvalidDossier with the issues."""
    from bhxh_desk.forms.xmlbuild import build_unsigned

    return build_unsigned(draft, created=created, memo=check_memo())


def record_check(store: Store, draft_id: int, errors: int) -> State:
    """Move a stored dossier Draft ⇄ Valid by the errors its latest check found; returns its state. A
    concurrent move (it was signed meanwhile) wins: the check changes nothing then."""
    from bhxh_desk.app import workflow

    state = store.draft_info(draft_id).state
    target = workflow.after_check(state, errors)
    if target is not None:
        try:
            store.set_state(draft_id, target, "validated" if target is workflow.State.VALID else "validation")
            state = target
        except StoreError:
            state = store.draft_info(draft_id).state
    return state
