"""Translated message templates, kept as data in ``resources/i18n/messages.toml``.

Vietnamese is the first language; English follows. A missing translation falls back to the other language
and then to the code itself, so a message is never lost, only untranslated.
"""

from __future__ import annotations

from functools import cache

from bhxh_desk.forms.resources import resource

LANGS = ("vi", "en")


@cache
def _templates() -> dict[str, dict[str, str]]:
    import tomllib  # only when a message is shown: commands that succeed never read the file

    with resource("i18n", "messages.toml").open("rb") as fh:
        data = tomllib.load(fh)
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict) -> None:
        if "vi" in node or "en" in node:
            flat[prefix] = {k: v for k, v in node.items() if isinstance(v, str)}
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", data)
    return flat


def known_codes() -> frozenset[str]:
    return frozenset(_templates())


def render(code: str, lang: str = "vi", **params: object) -> str:
    entry = _templates().get(code, {})
    other = "en" if lang == "vi" else "vi"
    template = entry.get(lang) or entry.get(other) or code
    what = params.get("what")
    if isinstance(what, str) and f"thing.{what.replace(' ', '_')}" in _templates():
        # The thing a message names ("unit", "row"...) is a word of the message's own language too.
        params = {**params, "what": render(f"thing.{what.replace(' ', '_')}", lang)}
    if any(isinstance(v, dict) for v in params.values()):
        # A parameter given in both languages ({"vi": ..., "en": ...}: a reason kept in a JSON memo) reads in
        # the message's own.
        params = {k: (v.get(lang) or v.get(other) or "") if isinstance(v, dict) else v for k, v in params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def both(code: str, **params: object) -> dict[str, str]:
    """A message in both languages at once, as a parameter of another message (a reason): it can be kept in
    JSON with what it explains and read later in either language (``render`` picks the message's own)."""
    return {lang: render(code, lang, **params) for lang in LANGS}
