"""URL normalization for exact URL dedup (``url_dedup_v1``), with ``urllib.parse`` only.

Two URLs that name the same page should normalize to the same string. The steps
follow RFC 3986 section 6.2.2 (syntax-based normalization: case of scheme and host,
percent-encoding case, default port, empty path) plus the usual crawl-dedup extras
(trailing slash, fragment, tracking parameters, parameter order):

1. surrounding whitespace is stripped; a URL without ``scheme://`` is returned as is
   (only stripped): nothing can be said about its host;
2. scheme and host are lower-cased, a trailing dot on the host removed, the default
   port of the scheme dropped (http 80, https 443, ftp 21, ws 80, wss 443);
3. percent escapes are upper-cased (``%2f`` -> ``%2F``); trailing slashes of the path
   are removed (``/a/`` -> ``/a``, ``/`` -> empty);
4. the fragment is dropped;
5. query parameters named ``utm_*`` or in :data:`TRACKING_PARAMS` are dropped, empty
   ones too, and the rest are sorted (as raw ``key=value`` strings, so encoding is
   kept as written).

Optional: ``ignore_scheme`` (http and https alike) and ``strip_www``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

#: Query parameters that only track the visitor (Google, Facebook, Microsoft, Mailchimp...).
TRACKING_PARAMS = frozenset(
    {
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "fbclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "spm",
    }
)
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
_ESCAPE_RE = re.compile(r"%[0-9a-fA-F]{2}")


def _is_tracking(piece: str) -> bool:
    key = unquote(piece.split("=", 1)[0]).strip().lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def _upper_escapes(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: m.group(0).upper(), text) if "%" in text else text


def _netloc(scheme: str, netloc: str, *, strip_www: bool) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    host, port = hostport, ""
    if hostport.startswith("["):  # IPv6 literal
        end = hostport.find("]")
        host, port = hostport[: end + 1], hostport[end + 2 :] if end >= 0 else ""
    elif ":" in hostport:
        host, _, port = hostport.rpartition(":")
    host = host.lower().rstrip(".")
    if strip_www and host.startswith("www."):
        host = host[4:]
    if port and port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme, -1):
        port = ""
    out = f"{host}:{port}" if port else host
    return f"{userinfo}@{out}" if userinfo else out


def normalize_url(url: str, *, ignore_scheme: bool = False, strip_www: bool = False) -> str:
    """The normalized form of ``url`` (see module docstring); never raises."""
    url = url.strip()
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: compare as written
        return url
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, parts.netloc, strip_www=strip_www)
    path = _upper_escapes(parts.path).rstrip("/")
    pieces = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
    query = "&".join(sorted(_upper_escapes(p) for p in pieces))
    if ignore_scheme and scheme in ("http", "https"):
        scheme = "http"
    return urlunsplit((scheme, netloc, path, query, ""))
