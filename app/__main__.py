"""``python -m app`` is the same as the ``bhxh-desk`` command."""

from bhxh_desk.app.launch import run

run()
