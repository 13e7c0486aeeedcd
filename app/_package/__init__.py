"""bhxh_desk, the one package bhxh-desk installs; app/, forms/, signing/ and resources/ are its
subpackages (pyproject.toml maps them, and maps this folder to the package itself).

It is a regular package, not a namespace one, because zipimport cannot import namespace packages: the
program must run from a zip too. Importing it imports nothing else, so that the token helper and the
command line start as fast as before.
"""

__version__ = "0.1.0"
