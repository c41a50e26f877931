"""Phone numbers in text, found with Google's libphonenumber (the ``phonenumbers`` port).

A phone number is written in as many national formats as there are countries
(``020 7946 0958`` in the UK, ``030 12345678`` in Germany, ``01 42 68 53 00`` in France,
``03-1234-5678`` in Japan, ``(02) 9374 4000`` in Australia); a hand-written regex
either misses them or matches dates, prices and ISBNs. libphonenumber knows every
region's numbering plan and digit grouping, so we accept a number only when it is a
*valid* number of one of the candidate regions *and* written with that region's
grouping (``Leniency.STRICT_GROUPING``: ``15.01.2023``, ``1990 2000 2010``,
``978-3-16-148410-0`` are not). Numbers in international form (``+44 20 7946 0958``,
``+447946095800``) are valid whatever the region.

Candidate regions come from the document language (:data:`LANG_REGIONS`; unknown or
missing language: :data:`DEFAULT_REGIONS`). ``tel:`` links (``tel:+1-555-123-4567``) are
phone numbers by their markup: any 6-15 digits after ``tel:`` count, valid or not.

A number in national format needs 9+ digits (a 7-8 digit local number without its
area code reads like an order or reference number: ``ref 9154-7988``), one in
international format 8+. The matcher runs only on the stretches of text holding such a
run of digits among phone separators, so the cost on ordinary prose is one regex scan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Regions whose national formats are tried for a document in each language (ISO 639-1).
LANG_REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "AU", "CA", "IE", "NZ", "IN", "ZA"),
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH", "CA"),
    "es": ("ES", "MX", "AR", "CO", "CL"),
    "pt": ("BR", "PT"),
    "it": ("IT", "CH"),
    "nl": ("NL", "BE"),
    "pl": ("PL",),
    "ru": ("RU",),
    "uk": ("UA",),
    "tr": ("TR",),
    "ar": ("SA", "EG", "AE", "MA"),
    "hi": ("IN",),
    "ja": ("JP",),
    "ko": ("KR",),
    "zh": ("CN", "TW", "HK"),
    "th": ("TH",),
    "vi": ("VN",),
    "sv": ("SE",),
}
#: Regions tried when the language is unknown.
DEFAULT_REGIONS = ("US", "GB", "DE", "FR", "JP", "AU")

_CANDIDATE = re.compile(r"[+(\d][\d ()./\-\u00a0]{4,}\d")
_TEL = re.compile(r"(?i)\btel:(\+?[\d().\- ]*\d)")


def regions_for(lang: str | None) -> tuple[str, ...]:
    """Candidate regions of a document in ``lang`` (a code such as ``en`` or ``en_Latn``)."""
    if not lang:
        return DEFAULT_REGIONS
    return LANG_REGIONS.get(lang.split("_")[0].split("-")[0].lower(), DEFAULT_REGIONS)


#: Fewest digits of a number in national format (a 7-8 digit local number without its
#: area code is as likely an order or reference number) and in international format.
MIN_NATIONAL_DIGITS, MIN_INTERNATIONAL_DIGITS = 9, 8


def _enough_digits(span: str) -> bool:
    digits = sum(c.isdigit() for c in span)
    return digits >= (MIN_INTERNATIONAL_DIGITS if span.startswith("+") else MIN_NATIONAL_DIGITS)


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` worth handing to the matcher: runs of enough digits among
    phone separators, with two characters of context each side (the matcher looks at them)."""
    out: list[tuple[int, int]] = []
    for m in _CANDIDATE.finditer(text):
        if _enough_digits(m.group(0).lstrip("(")):
            out.append((max(0, m.start() - 2), min(len(text), m.end() + 2)))
    return out


def find_phones(text: str, regions: Sequence[str]) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of phone numbers in ``text``, sorted, never overlapping."""
    spans: list[tuple[int, int]] = []
    for m in _TEL.finditer(text):
        if 6 <= sum(c.isdigit() for c in m.group(1)) <= 15:
            spans.append((m.start(1), m.end(1)))
    windows = _windows(text)
    if windows:
        import phonenumbers  # lazy: ~0.1 s of metadata, only for texts with digit runs

        strict = phonenumbers.Leniency.STRICT_GROUPING
        for lo, hi in windows:
            part = text[lo:hi]
            for region in regions:
                for found in phonenumbers.PhoneNumberMatcher(part, region, leniency=strict):
                    if _enough_digits(found.raw_string):
                        spans.append((lo + found.start, lo + found.end))
    spans.sort(key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out
