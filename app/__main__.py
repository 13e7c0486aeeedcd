"""``python -m app`` is the same as the ``bhxh-desk`` command."""

from app.launch import run

run()
