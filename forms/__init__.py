"""Procedure and form catalog, field types, validation and XML builders.

This package is the bottom of bhxh-desk's Qt-free core: it knows procedures, forms and fields only as the
data declared in ``resources/catalog``, so a new form is new data, not new code.
"""
