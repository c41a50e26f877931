"""Find and replace PII (emails, IP addresses, phone numbers) in text: pure functions.

FineWeb (Penedo et al. 2024) anonymizes email addresses and public IP addresses with
datatrove's ``PIIFormatter``; we follow its choices: an email becomes
``email@example.com`` or ``firstname.lastname@example.org`` (reserved example
domains, RFC 2606), a *public* IP address becomes one of six addresses that did not
answer pings when datatrove chose them; private, loopback and reserved addresses
(``10.0.0.1``, ``127.0.0.1``, ``192.168.1.2``) are kept. Unlike datatrove's circular
choice (which depends on processing order), the placeholder is picked by a hash of
the matched text, so output is the same whatever the worker count. We add IPv6
(replaced by ``2001:db8::1``, RFC 3849 documentation prefix) and phone numbers
(``+1-202-555-0100``, a 555-01xx number reserved for fiction), which FineWeb does not
redact; each type can be switched off.

Patterns (our own, except phones):

* email: ``local@domain.tld`` with a dot-atom local part and a TLD of 2+ letters, in
  any script (RFC 6531: ``josé.garcía@correo.es``); not a file name such as
  ``icon@2x.png`` (a ``@2x``/``@3x`` density suffix or an image/code extension as TLD);
* IPv4: four decimal octets 0-255 without leading zeros, not inside a longer run of
  digits and dots (``1.2.3.4.5``), not glued to a word (``v2.0.1.5``) and not right after
  a word that announces a version or section number ("version", "v.", "section", "§",
  "chapter", "release", "Abschnitt", ...: :data:`NUMBER_CONTEXT`);
* IPv6: a run of hex digits and colons with at least two colons, validated by
  :mod:`ipaddress`, with a digit in it and no group mixing upper and lower case (so
  ``12:30:45``, ``std::vector`` and ``Feed::Add`` never match);
* phone: :mod:`.pii_phones` (libphonenumber: valid numbers of the document's regions
  in their own digit grouping, international numbers, ``tel:`` links).

Emails and IPs are one regex scanned left to right; phone spans are merged in (the
earlier, then the longer, span wins), so matches never overlap. A candidate rejected
by validation is left as written. ``benchmarks/pii_eval.py`` measures precision and
recall per type on the labelled set ``tests/cleaning/data/pii_labelled.jsonl``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import xxhash

from .pii_phones import DEFAULT_REGIONS, find_phones

EMAIL_PLACEHOLDERS = ("email@example.com", "firstname.lastname@example.org")
IP_PLACEHOLDERS = (
    "22.214.171.124",
    "126.96.36.199",
    "188.8.131.52",
    "184.108.40.206",
    "220.127.116.11",
    "18.104.22.168",
)
IPV6_PLACEHOLDERS = ("2001:db8::1",)
PHONE_PLACEHOLDERS = ("+1-202-555-0100",)
KINDS = ("email", "ipv4", "ipv6", "phone")

_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = rf"(?<![\w.+-]){_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[^\W\d_]{{2,63}}\b"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)"
_IPV6 = r"(?<![\w:.])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{2,39}(?![\w:])"
PII_RE = re.compile(rf"(?P<email>{_EMAIL})|(?P<ipv4>{_IPV4})|(?P<ipv6>{_IPV6})")

#: Words after which a dotted quad is a version, section or paragraph number, not an IP.
NUMBER_CONTEXT = re.compile(
    r"(?:\b(?:v|ver|vers|version|versions|versión|versione|release|rel|rev|revision|build|"
    r"patch|firmware|section|sections|sec|sect|chapter|ch|clause|art|article|para|paragraph|"
    r"item|rule|step|figure|fig|table|appendix|abschnitt|kapitel|absatz|ziffer|artikel|"
    r"sección|capítulo|artículo|apartado|chapitre|paragraphe|articolo|capitolo|sezione|"
    r"seção|capítulo|rozdział|раздел|пункт|глава|статья)|§)\.?\s*(?:no\.?\s*)?$",
    re.IGNORECASE,
)
#: A ``name@2x``-style density suffix or a file extension: ``icon@2x.png`` is a file.
_FILE_TLDS = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "bmp",
        "ico",
        "tif",
        "tiff",
        "avif",
        "heic",
        "css",
        "js",
        "mjs",
        "ts",
        "json",
        "xml",
        "html",
        "htm",
        "php",
        "txt",
        "pdf",
        "mp3",
        "mp4",
        "webm",
        "woff",
        "woff2",
        "ttf",
        "otf",
        "map",
    ]
)
_DENSITY = re.compile(r"@\d+(?:\.\d+)?x\.", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """One replaced span of the input: ``text[start:end]`` became ``replacement``."""

    start: int
    end: int
    kind: str
    replacement: str


@dataclass(frozen=True, kw_only=True)
class PIIOptions:
    """Which kinds to replace and with what (placeholders chosen by a hash of the match)."""

    email: bool = True
    ipv4: bool = True
    ipv6: bool = True
    phone: bool = True
    only_public_ips: bool = True
    email_placeholders: tuple[str, ...] = EMAIL_PLACEHOLDERS
    ip_placeholders: tuple[str, ...] = IP_PLACEHOLDERS
    ipv6_placeholders: tuple[str, ...] = IPV6_PLACEHOLDERS
    phone_placeholders: tuple[str, ...] = PHONE_PLACEHOLDERS


def _valid(kind: str, text: str, before: str, opts: PIIOptions) -> bool:
    """Whether the regex candidate ``text`` (preceded by ``before``) is the PII it looks like."""
    if kind == "email":
        return not _DENSITY.search(text) and text.rsplit(".", 1)[-1].lower() not in _FILE_TLDS
    if kind == "ipv4" and NUMBER_CONTEXT.search(before[-30:]):
        return False
    if kind == "ipv6":
        groups = [g for g in text.split(":") if g]
        if not any(c.isdigit() for c in text) or any(
            g != g.lower() and g != g.upper() for g in groups
        ):
            return False
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    return ip.is_global or not opts.only_public_ips


def _placeholder(choices: tuple[str, ...], text: str) -> str:
    if len(choices) == 1:
        return choices[0]
    return choices[xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass")) % len(choices)]


def find_pii(
    text: str, opts: PIIOptions, *, regions: Sequence[str] = DEFAULT_REGIONS
) -> list[Match]:
    """The spans to replace in ``text``, in order, never overlapping; ``regions`` are the
    countries whose national phone formats are accepted (:func:`.pii_phones.regions_for`)."""
    if not any((opts.email, opts.ipv4, opts.ipv6, opts.phone)):
        return []
    # cheap pre-checks: every kind needs '@', a '.' or ':' between digits, or a digit
    if "@" not in text and not any(c.isdigit() for c in text) and ":" not in text:
        return []
    placeholders = {
        "email": opts.email_placeholders,
        "ipv4": opts.ip_placeholders,
        "ipv6": opts.ipv6_placeholders,
        "phone": opts.phone_placeholders,
    }
    found: list[tuple[int, int, str]] = []
    for m in PII_RE.finditer(text):
        kind = str(m.lastgroup)
        if getattr(opts, kind) and _valid(kind, m.group(0), text[: m.start()], opts):
            found.append((m.start(), m.end(), kind))
    if opts.phone:
        found.extend((start, end, "phone") for start, end in find_phones(text, regions))
    found.sort(key=lambda f: (f[0], -f[1]))
    out: list[Match] = []
    for start, end, kind in found:
        if out and start < out[-1].end:
            continue
        value = text[start:end]
        out.append(Match(start, end, kind, _placeholder(placeholders[kind], value)))
    return out


def redact(
    text: str, opts: PIIOptions, *, regions: Sequence[str] = DEFAULT_REGIONS
) -> tuple[str, dict[str, int], list[Match]]:
    """(text with every match replaced, matches per kind, the matches)."""
    matches = find_pii(text, opts, regions=regions)
    counts = dict.fromkeys(KINDS, 0)
    if not matches:
        return text, counts, matches
    parts = []
    pos = 0
    for m in matches:
        parts.append(text[pos : m.start])
        parts.append(m.replacement)
        counts[m.kind] += 1
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts), counts, matches
