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

Patterns (our own):

* email: ``local@domain.tld`` with a dot-atom local part and a TLD of 2+ letters;
* IPv4: four decimal octets 0-255 without leading zeros, not inside a longer
  run of digits and dots (so version strings like ``1.2.3.4.5`` are left alone);
* IPv6: a run of hex digits and colons with at least two colons, validated by
  :mod:`ipaddress` (so ``12:30:45`` or ``std::vector`` never match);
* phone: ``+`` country code followed by 2-5 groups of digits with space, dot or dash
  separators (8-15 digits in all, ITU E.164), or the North American
  ``(202) 555-0100`` / ``202-555-0100`` / ``202.555.0100`` forms. Digit runs joined by
  spaces only (``1990 2000 2010``) and dates never match.

All four alternatives are one regex scanned left to right, so matches never overlap;
a candidate rejected by validation is left as written.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import xxhash

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

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = rf"(?<![\w.+-]){_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}\b"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\.?\d)"
_IPV6 = r"(?<![\w:.])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{2,39}(?![\w:])"
_PHONE = (
    r"(?<![\w+])(?:\+\d{1,3}(?:[ .-]\(?\d{1,5}\)?){2,5}"
    r"|(?:\(\d{3}\)[ ]?|\d{3}[.-])\d{3}[.-]\d{4})(?![\w-])"
)
PII_RE = re.compile(rf"(?P<email>{_EMAIL})|(?P<ipv4>{_IPV4})|(?P<ipv6>{_IPV6})|(?P<phone>{_PHONE})")


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


def _valid(kind: str, text: str, opts: PIIOptions) -> bool:
    if kind in ("ipv4", "ipv6"):
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return False
        return ip.is_global or not opts.only_public_ips
    if kind == "phone":
        return 8 <= sum(c.isdigit() for c in text) <= 15 or not text.startswith("+")
    return True


def _placeholder(choices: tuple[str, ...], text: str) -> str:
    if len(choices) == 1:
        return choices[0]
    return choices[xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass")) % len(choices)]


def find_pii(text: str, opts: PIIOptions) -> list[Match]:
    """The spans to replace in ``text``, in order, never overlapping."""
    if not any((opts.email, opts.ipv4, opts.ipv6, opts.phone)):
        return []
    # cheap pre-checks: every kind needs '@', a '.' or ':' between digits, or a digit
    if "@" not in text and not any(c.isdigit() for c in text) and ":" not in text:
        return []
    out = []
    placeholders = {
        "email": opts.email_placeholders,
        "ipv4": opts.ip_placeholders,
        "ipv6": opts.ipv6_placeholders,
        "phone": opts.phone_placeholders,
    }
    for m in PII_RE.finditer(text):
        kind = str(m.lastgroup)
        value = m.group(0)
        if not getattr(opts, kind) or not _valid(kind, value, opts):
            continue
        out.append(Match(m.start(), m.end(), kind, _placeholder(placeholders[kind], value)))
    return out


def redact(text: str, opts: PIIOptions) -> tuple[str, dict[str, int], list[Match]]:
    """(text with every match replaced, matches per kind, the matches)."""
    matches = find_pii(text, opts)
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
