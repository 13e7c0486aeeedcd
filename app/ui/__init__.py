"""The Qt layer: thin views, models, dialogs and workers that call the Qt-free core. Nothing here decides
anything about dossiers, signatures or the gateway."""
