"""Text typed years ago in the TCVN3 (ABC) or VNI legacy fonts, converted to Unicode NFC.

Such text reaches us as Latin-1 look-alikes: "B¶o Th¾ng" is TCVN3 for "Bảo Thắng", "chaøo" is VNI for
"chào". A cell's font, when known (".VnTime", "VNI-Times"), decides; otherwise the letters do: each legacy
encoding has characters that Vietnamese Unicode text never contains. Every conversion is reported, so a
user can see what was changed.

TCVN3 has no precomposed capitals with tones: capitals were typed with the "H" fonts (".VnTimeH"), whose
lower-case codes draw capitals. So text in an H font is upper-cased after conversion.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# TCVN3: for each vowel, its five tones in the order grave, hook, tilde, acute, dot.
_TCVN3_TONES = {
    "a": "\xb5\xb6\xb7\xb8\xb9", "ă": "\xbb\xbc\xbd\xbe\xc6", "â": "\xc7\xc8\xc9\xca\xcb",
    "e": "\xcc\xce\xcf\xd0\xd1", "ê": "\xd2\xd3\xd4\xd5\xd6", "i": "\xd7\xd8\xdc\xdd\xde",
    "o": "\xdf\xe1\xe2\xe3\xe4", "ô": "\xe5\xe6\xe7\xe8\xe9", "ơ": "\xea\xeb\xec\xed\xee",
    "u": "\xef\xf1\xf2\xf3\xf4", "ư": "\xf5\xf6\xf7\xf8\xf9", "y": "\xfa\xfb\xfc\xfd\xfe",
}
_MARKS = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")      # grave, hook, tilde, acute, dot below
TCVN3: dict[str, str] = {
    "\xa8": "ă", "\xa9": "â", "\xaa": "ê", "\xab": "ô", "\xac": "ơ", "\xad": "ư", "\xae": "đ",
    "\xa1": "Ă", "\xa2": "Â", "\xa3": "Ê", "\xa4": "Ô", "\xa5": "Ơ", "\xa6": "Ư", "\xa7": "Đ",
}
for _base, _codes in _TCVN3_TONES.items():
    for _code, _mark in zip(_codes, _MARKS, strict=True):
        TCVN3[_code] = unicodedata.normalize("NFC", _base + _mark)

# VNI: a base letter followed by mark characters; lower-case marks after lower-case letters, upper-case after
# capitals. Longest sequences first.
_VNI_LOWER = {
    "aâ": "â", "aê": "ă", "eâ": "ê", "oâ": "ô", "ô": "ơ", "ö": "ư", "ñ": "đ",
    "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ù": "\u0301", "ï": "\u0323",
    "à": "\u0302\u0300", "å": "\u0302\u0309", "ã": "\u0302\u0303", "á": "\u0302\u0301", "ä": "\u0302\u0323",
    "è": "\u0306\u0300", "ú": "\u0306\u0309", "ü": "\u0306\u0303", "é": "\u0306\u0301", "ë": "\u0306\u0323",
    "ì": "ì", "æ": "ỉ", "ó": "ĩ", "í": "í", "ò": "ị", "î": "ỵ",
}
_VNI_UPPER = {
    "AÂ": "Â", "AÊ": "Ă", "EÂ": "Ê", "OÂ": "Ô", "Ô": "Ơ", "Ö": "Ư", "Ñ": "Đ",
    "Ø": "\u0300", "Û": "\u0309", "Õ": "\u0303", "Ù": "\u0301", "Ï": "\u0323",
    "À": "\u0302\u0300", "Å": "\u0302\u0309", "Ã": "\u0302\u0303", "Á": "\u0302\u0301", "Ä": "\u0302\u0323",
    "È": "\u0306\u0300", "Ú": "\u0306\u0309", "Ü": "\u0306\u0303", "É": "\u0306\u0301", "Ë": "\u0306\u0323",
    "Ì": "Ì", "Æ": "Ỉ", "Ó": "Ĩ", "Í": "Í", "Ò": "Ị", "Î": "Ỵ",
}
_VNI = {**_VNI_LOWER, **_VNI_UPPER}
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))

# Characters that Vietnamese Unicode text never holds but each legacy encoding uses constantly. Latin-1
# letters that are also Vietnamese (à, é, ê, ô, ù...) are left out: they prove nothing.
_TCVN3_SIGNS = set("\xb5\xb6\xb7\xb8\xb9\xbb\xbc\xbd\xbe\xc6\xc7\xcb\xa8\xa9\xaa\xab\xac\xad\xae\xa1\xa2\xa3"
                   "\xa4\xa5\xa6\xa7\xd1\xd7\xd8\xde\xdf\xe4\xe5\xe6\xe7\xeb\xee\xef\xf1\xf6\xf7\xf8\xfb\xfc\xfe")
_VNI_MARKS = "øûïñöæîØÛÏÑÖÆÎ"
_VIETNAMESE = re.compile("[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")


@dataclass(frozen=True, slots=True)
class Conversion:
    original: str
    text: str
    encoding: str          # "TCVN3" or "VNI"


def encoding_of_font(font: str | None) -> str | None:
    name = (font or "").strip().lower()
    if name.startswith(".vn"):
        return "TCVN3"
    if name.startswith("vni"):
        return "VNI"
    return None


def from_tcvn3(text: str, *, capitals: bool = False) -> str:
    out = "".join(TCVN3.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFC", out.upper() if capitals else out)


def from_vni(text: str) -> str:
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: _VNI[m.group(0)], text))


# VNI writes a plain vowel, then its mark: "chaøo". A vowel followed by a mark that Vietnamese Unicode text
# never has (ø û ï after a vowel, ñ, ö...) is VNI.
_VNI_PAIR = re.compile(f"[aeiouyAEIOUYôÔ][{_VNI_MARKS}ùõÙÕ]|[ñÑöÖ]")


def scores(text: str) -> tuple[int, int]:
    """How TCVN3-like and how VNI-like a string is: 0, 0 for Unicode Vietnamese or plain ASCII.

    VNI puts its marks *after* a plain vowel ("chaøo"); TCVN3 replaces the vowel ("chµo"). The two share
    code points, so the pairing, not the characters alone, tells them apart."""
    if not text or text.isascii() or is_unicode_vietnamese(text):
        return 0, 0
    vni = len(_VNI_PAIR.findall(text))
    tcvn3 = sum(ch in _TCVN3_SIGNS for i, ch in enumerate(text) if not (i and text[i - 1] in "aeiouyAEIOUYôöÔÖ"))
    return tcvn3, vni


def is_unicode_vietnamese(text: str) -> bool:
    return bool(_VIETNAMESE.search(text)) or any(ord(ch) > 0xFF for ch in text)


def detect(text: str) -> str | None:
    """'TCVN3', 'VNI' or None for one string (see ``scores``)."""
    tcvn3, vni = scores(text)
    if max(tcvn3, vni) == 0:
        return None
    return "VNI" if vni >= tcvn3 else "TCVN3"


def convert(text: str, font: str | None = None, encoding: str | None = None) -> Conversion | None:
    """The Unicode form of a legacy string, or None when there is nothing to convert. The cell's font wins;
    then the encoding the caller settled on for the whole sheet; then the string itself."""
    if not text or text.isascii() or is_unicode_vietnamese(text):
        return None
    found = encoding_of_font(font)
    if found is None:
        tcvn3, vni = scores(text)
        if tcvn3 == 0 and vni == 0:       # no sign of a legacy font in this very cell: leave it alone
            return None
        found = encoding or ("VNI" if vni >= tcvn3 else "TCVN3")
    encoding = found
    if encoding == "TCVN3":
        capitals = (font or "").strip().lower().endswith("h")
        result = from_tcvn3(text, capitals=capitals)
    else:
        result = from_vni(text)
    return None if result == text else Conversion(original=text, text=result, encoding=encoding)
