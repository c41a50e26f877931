"""Paragraph-level language ID: ``lang_mix``, the ``mixed`` flag and the vote.

A document is cut into paragraph chunks (:func:`chunks`): its lines, consecutive
lines merged until a chunk has ``min_bytes`` bytes of UTF-8 (a short last chunk
joins the one before), so that each chunk has enough text for a fair prediction
(at 50 characters lid.176 confuses related languages several times more often
than at 200). Bytes rather than characters: 70 Chinese characters (210 bytes)
carry about as much evidence as 200 Latin letters. Each chunk gets a label by the
same policy as the whole document; the document's ``lang_mix`` is the share of the
chunks' characters per label (``und`` included), best first.

:func:`vote` turns the chunk labels into a document label: the confusable group
(see :mod:`dataprep.langid.policy`) holding the most characters wins when it
holds at least half of them; the whole-text label is kept when it belongs to that
group (it saw more context at once for picking the member), otherwise the
group's member with the most characters is taken. A document is *mixed* when a
second group (not ``und``) holds at least ``mixed_share`` of the characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dataprep.langid.labels import UND, Label


@dataclass(frozen=True)
class Mix:
    """The paragraph-level view of one document."""

    shares: list[tuple[str, float]]
    """(language or ``und``, share of the chunks' characters), largest first."""
    label: Label | None
    """The vote's label, or ``None`` when no group holds half the characters."""
    mixed: bool


_WIDE = re.compile("[\u0e00-\u0eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
"""Thai/Lao, kana, CJK ideographs and Hangul: scripts of three-byte characters."""


def _wide(line: str) -> bool:
    return not line.isascii() and 2 * len(_WIDE.findall(line)) >= len(line)


def chunks(text: str, *, min_bytes: int, max_chars: int | None) -> list[str]:
    """The paragraph chunks of the first ``max_chars`` characters (see module doc).

    A line whose script kind (mostly Chinese/Japanese/Korean/Thai or not) differs
    from the chunk being built starts a new chunk whatever its size, so a Chinese
    paragraph inside an English page is labelled on its own.
    """
    if max_chars is not None:
        text = text[:max_chars]
    out: list[str] = []
    current: list[str] = []
    size = 0
    kind = False
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        wide = _wide(line)
        if current and wide != kind:
            out.append("\n".join(current))
            current, size = [], 0
        kind = wide
        current.append(line)
        size += len(line.encode("utf-8", "surrogatepass"))
        if size >= min_bytes:
            out.append("\n".join(current))
            current, size = [], 0
    if current:
        if out and size < min_bytes and _wide(out[-1]) == kind:
            out[-1] = out[-1] + "\n" + "\n".join(current)
        else:
            out.append("\n".join(current))
    return out


def vote(
    parts: Sequence[str],
    labels: Sequence[Label],
    whole: Label,
    group_key: Callable[[str], str],
    mixed_share: float,
) -> Mix:
    """``lang_mix``, the vote and the mixed flag from chunk labels (see module doc)."""
    chars: dict[Label, int] = {}
    for part, label in zip(parts, labels, strict=True):
        chars[label] = chars.get(label, 0) + len(part)
    total = max(sum(chars.values()), 1)
    by_lang: dict[str, int] = {}
    by_group: dict[str, int] = {}
    for label, n in chars.items():
        by_lang[label.lang] = by_lang.get(label.lang, 0) + n
        if label.lang != UND:
            key = group_key(label.lang)
            by_group[key] = by_group.get(key, 0) + n
    shares = sorted(((lang, n / total) for lang, n in by_lang.items()), key=lambda x: (-x[1], x[0]))
    ranked = sorted(by_group.items(), key=lambda x: (-x[1], x[0]))
    mixed = len(ranked) > 1 and ranked[1][1] / total >= mixed_share
    if not ranked or ranked[0][1] * 2 < total:
        return Mix(shares, None, mixed)
    key = ranked[0][0]
    if whole.lang != UND and group_key(whole.lang) == key:
        return Mix(shares, whole, mixed)
    members = [
        (n, lab) for lab, n in chars.items() if lab.lang != UND and group_key(lab.lang) == key
    ]
    best = max(members, key=lambda x: (x[0], x[1].lang))[1]
    return Mix(shares, best, mixed)
