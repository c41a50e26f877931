"""URL normalization for exact URL dedup (``url_dedup_v1``), with ``urllib.parse`` only.

Two URLs that name the same page should normalize to the same string. The steps
follow RFC 3986 section 6.2.2 (syntax-based normalization: case of scheme and host,
percent-encoding, dot segments, default port, empty path) plus the usual crawl-dedup
extras (trailing slash, fragment, tracking parameters, parameter order):

1. surrounding whitespace is stripped; a URL without ``scheme://`` whose start is a
   host name (``example.com/x``, ``www.example.com``, ``//example.com/x``) is read as
   ``http://`` + it (what a browser does with it); anything else without ``://`` is
   returned as is (only stripped): nothing can be said about its host;
2. scheme and host are lower-cased, a trailing dot on the host removed, a Unicode host
   written in its IDNA (punycode) form (``bücher.de`` = ``xn--bcher-kva.de``), the
   default port of the scheme dropped (http 80, https 443, ftp 21, ws 80, wss 443);
3. percent escapes of unreserved characters are decoded (``%7E`` = ``~``, ``%41`` =
   ``A``, RFC 3986 section 2.3), the others upper-cased (``%2f`` -> ``%2F``); dot
   segments are removed (``/a/./b`` and ``/a/c/../b`` -> ``/a/b``, section 5.2.4);
   trailing slashes of the path are removed (``/a/`` -> ``/a``, ``/`` -> empty);
4. the fragment is dropped, except a route fragment (``#!/item/1``, ``#/item/1``) of a
   single-page application, which names a different page;
5. query parameters named ``utm_*`` or in :data:`TRACKING_PARAMS` are dropped, empty
   ones too, and the rest are sorted by key (stably: the values of a repeated key keep
   their order, as ``?a=1&a=2`` and ``?a=2&a=1`` may mean different lists).

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
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# a host name (labels of letters, digits or hyphens, in any script, with a dot) followed by
# an optional port and the end or a path/query/fragment: "example.com/x", "bücher.de:8080"
_BARE_HOST_RE = re.compile(r"(?:[^\W_]|-)+(?:\.(?:[^\W_]|-)+)+\.?(?::\d+)?(?:[/?#]|$)")


def _is_tracking(piece: str) -> bool:
    key = unquote(piece.split("=", 1)[0]).strip().lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(0)[1:], 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def _upper_escapes(text: str) -> str:
    """Unreserved characters decoded, other escapes upper-cased."""
    return _ESCAPE_RE.sub(_escape, text) if "%" in text else text


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path of "/"-separated segments."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    joined = "/".join(out)
    return joined if not path.startswith("/") or joined.startswith("/") else "/" + joined


def _idna_host(host: str) -> str:
    if host.isascii():
        return host
    labels = []
    for lab in host.split("."):
        try:  # IDNA 2003 (nameprep + punycode), as the standard library knows it
            labels.append(lab if lab.isascii() else lab.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append(lab)
    return ".".join(labels)


def _netloc(scheme: str, netloc: str, *, strip_www: bool) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    host, port = hostport, ""
    if hostport.startswith("["):  # IPv6 literal
        end = hostport.find("]")
        host, port = hostport[: end + 1], hostport[end + 2 :] if end >= 0 else ""
    elif ":" in hostport:
        host, _, port = hostport.rpartition(":")
    host = _idna_host(host.lower().rstrip("."))
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
        if url.startswith("//"):
            url = "http:" + url
        elif _BARE_HOST_RE.match(url):
            url = "http://" + url
        else:
            return url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: compare as written
        return url
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, parts.netloc, strip_www=strip_www)
    path = _remove_dot_segments(_upper_escapes(parts.path)).rstrip("/")
    pieces = [_upper_escapes(p) for p in parts.query.split("&") if p and not _is_tracking(p)]
    query = "&".join(sorted(pieces, key=lambda p: p.split("=", 1)[0]))
    frag = parts.fragment
    fragment = _upper_escapes(frag) if frag.startswith(("!", "/")) else ""
    if ignore_scheme and scheme in ("http", "https"):
        scheme = "http"
    return urlunsplit((scheme, netloc, path, query, fragment))
