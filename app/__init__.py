"""bhxh-desk application layer: CLI, settings, local store, workflow, gateway client and the Qt UI.

Only ``app.ui`` imports Qt. Everything else here is the Qt-free core and is tested without a display.
"""

__version__ = "0.1.0"
