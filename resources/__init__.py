"""The shipped data files (``bhxh_desk.resources``): a package only so that importlib.resources finds them
in a wheel, an editable install, a zip and the PyInstaller bundle alike. See ``forms/resources.py``."""
