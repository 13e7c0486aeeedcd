"""``python -m app`` is the same as the ``bhxh-desk`` command."""

from app.cli import run

run()
