"""``python -m app`` is the same as the ``bhxh-desk`` command."""

import sys

from app.cli import main

sys.exit(main())
