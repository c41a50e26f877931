"""Build the bundled sample corpus from the hand-written texts in ``texts/``.

Run ``python -m dataprep.sample_data.build`` to rewrite ``corpus/`` and
``labels.jsonl``; ``--out DIR`` writes the shards somewhere else (``--labels FILE``
then says where the labels go, if anywhere) and ``--counts`` only prints the
counts per language and kind.

The build is deterministic: a fixed seed, no clock, no environment. Gzip is
written with ``mtime=0`` and no file name, zstd and parquet with fixed levels, so
two runs with the same library versions give byte-identical files.

Source format (``texts/<lang>.txt``, UTF-8): lines starting with ``#`` before the
first document are comments. Each document starts with a header line::

    @@ <url> <kind> [dup=N] [near=N] [expand=A|B|C]

followed by its text (paragraphs separated by blank lines). Optional lines of the
form ``%% old text => new text`` after the text are hand-written edits that the
near-duplicate generator may apply. ``dup=N`` adds N exact copies under other
URLs, ``near=N`` adds N near-duplicates (small edits: a date, a dropped or changed
sentence, a few words, a byline or footer line), ``expand`` makes one document per
value, replacing ``{X}`` in the url and text (keyword-spam farms do this).
``texts/footers.json`` holds the per-language byline and footer lines that
syndicating sites add to near-duplicates.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import io
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

HERE = Path(__file__).resolve().parent
TEXTS_DIR = HERE / "texts"
CORPUS_DIR = HERE / "corpus"
LABELS_PATH = HERE / "labels.jsonl"

SEED = 20240517
SOURCE = "sample-crawl"
N_SHARDS = 4
SHARD_NAMES = ("shard-000.jsonl.gz", "shard-001.jsonl.zst", "shard-002.parquet", "shard-003.jsonl")

#: Every ``kind`` a source document may have; all but ``good`` are low quality.
KINDS = (
    "good",
    "boilerplate",
    "keyword_spam",
    "seo_spam",
    "lorem",
    "code",
    "short",
    "bullets",
    "ellipsis",
)
LOW_QUALITY_KINDS = KINDS[1:]
#: Languages written without spaces between words (shingle on characters).
NO_SPACE_LANGS = frozenset({"zh", "ja", "th"})

#: Lines a syndicating site adds above or below an article, per language.
FOOTERS: dict[str, list[str]] = json.loads((TEXTS_DIR / "footers.json").read_text("utf-8"))
#: Hosts that republish (syndicate or scrape) articles, for near-duplicate URLs.
MIRRORS = (
    "https://news.aggregator-hub.net/story/",
    "https://www.dailyfeed-online.com/r/",
    "https://m.worldwire-digest.org/a/",
    "https://reader.pressclip.info/item/",
)

_HEADER = re.compile(r"^@@ (\S+) (\S+)((?: \S+=\S+)*)\s*$")
_EDIT = re.compile(r"^%% (.+?) => (.*)$")
_SENT_SPACE = re.compile(r"(?<=[.!?।؟])\s+")
_SENT_CJK = re.compile("(?<=[\u3002\uff01\uff1f])")
_NUMBER = re.compile(r"(?<![\d.,:])\d{1,4}(?![\d.,:])")


@dataclass
class Source:
    """One hand-written document of ``texts/<lang>.txt``."""

    lang: str
    url: str
    kind: str
    text: str
    dup: int = 0
    near: int = 0
    edits: list[tuple[str, str]] = field(default_factory=list)
    index: int = 0


@dataclass
class Doc:
    """One row of the corpus before ids and shards are assigned."""

    lang: str
    kind: str
    url: str
    text: str
    cluster: str
    dup: str = "original"  # original | exact | near
    edits: list[str] = field(default_factory=list)
    id: str = ""
    shard: int = -1
    dup_of: str | None = None


def parse_texts(path: Path) -> list[Source]:
    """Parse one ``texts/<lang>.txt`` file into its documents (``expand`` applied)."""
    docs: list[Source] = []
    header: tuple[int, str] | None = None
    body: list[str] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if line.startswith("@@"):
            if header is not None:
                docs.extend(_make_docs(path, *header, body, len(docs)))
            header, body = (lineno, line), []
        elif header is not None:
            body.append(line)
        elif line and not line.startswith("#"):
            raise ValueError(f"{path.name}:{lineno}: text before the first @@ header")
    if header is not None:
        docs.extend(_make_docs(path, *header, body, len(docs)))
    return docs


def _make_docs(path: Path, lineno: int, header: str, body: list[str], index: int) -> list[Source]:
    where = f"{path.name}:{lineno}"
    m = _HEADER.match(header)
    if not m:
        raise ValueError(f"{where}: bad header {header!r}")
    url, kind, opts = m.groups()
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}")
    edits = [(e.group(1), e.group(2)) for e in map(_EDIT.match, body) if e]
    text = "\n".join(line for line in body if not _EDIT.match(line)).strip("\n")
    if not text:
        raise ValueError(f"{where}: empty document")
    for old, _new in edits:
        if old not in text:
            raise ValueError(f"{where}: edit {old!r} not found in the text")
    src = Source(lang=path.stem, url=url, kind=kind, text=text, edits=edits, index=index)
    expand: list[str] = []
    for opt in opts.split():
        key, _, value = opt.partition("=")
        if key in ("dup", "near"):
            setattr(src, key, int(value))
        elif key == "expand":
            expand = value.split("|")
        else:
            raise ValueError(f"{where}: unknown option {key!r}")
    if not expand:
        return [src]
    out = []
    for k, value in enumerate(expand):
        word, slug = value.replace("_", " "), value.lower().replace("_", "-")
        out.append(
            dataclasses.replace(
                src,
                url=src.url.replace("{X}", slug),
                text=src.text.replace("{X}", word),
                index=index + k,
            )
        )
    return out


def load_sources(texts_dir: Path = TEXTS_DIR) -> list[Source]:
    """All source documents, in (language, file order)."""
    out: list[Source] = []
    for path in sorted(texts_dir.glob("*.txt")):
        out.extend(parse_texts(path))
    return out


# ---------------------------------------------------------------- near duplicates


def _sentences(text: str, lang: str) -> list[str]:
    if lang in ("zh", "ja"):
        return [s for s in _SENT_CJK.split(text) if s]
    if lang == "th":
        return text.split(" ")
    return _SENT_SPACE.split(text)


def _join(parts: list[str], lang: str) -> str:
    return "".join(parts) if lang in ("zh", "ja") else " ".join(parts)


def _edit_drop_sentence(text: str, lang: str, rng: random.Random) -> str | None:
    paras = text.split("\n")
    cands = [i for i, p in enumerate(paras) if len(_sentences(p, lang)) >= 3]
    if not cands:
        return None
    i = rng.choice(cands)
    sents = _sentences(paras[i], lang)
    del sents[rng.randrange(1, len(sents))]
    paras[i] = _join(sents, lang)
    return "\n".join(paras)


def _edit_number(text: str, lang: str, rng: random.Random) -> str | None:
    matches = list(_NUMBER.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    value = int(m.group())
    new = value + rng.choice((1, 2, 3)) if value < 1900 else value + rng.choice((-1, 1))
    return text[: m.start()] + str(new) + text[m.end() :]


def _edit_drop_words(text: str, lang: str, rng: random.Random) -> str | None:
    paras = text.split("\n")
    cands = [i for i, p in enumerate(paras) if len(p) > 120]
    if not cands:
        return None
    i = rng.choice(cands)
    p = paras[i]
    if lang in NO_SPACE_LANGS:
        # drop one clause between commas (or a short run of characters)
        commas = [m.end() for m in re.finditer("[\uff0c\u3001,]", p)]
        if len(commas) >= 2:
            j = rng.randrange(len(commas) - 1)
            paras[i] = p[: commas[j]] + p[commas[j + 1] :]
        else:
            start = rng.randrange(10, len(p) - 20)
            paras[i] = p[:start] + p[start + rng.randint(3, 6) :]
    else:
        words = p.split(" ")
        start = rng.randrange(1, len(words) - 5)
        del words[start : start + rng.randint(2, 4)]
        paras[i] = " ".join(words)
    return "\n".join(paras)


def _edit_footer(text: str, lang: str, rng: random.Random) -> str | None:
    return text + "\n\n" + rng.choice(FOOTERS[lang])


def _edit_byline(text: str, lang: str, rng: random.Random) -> str | None:
    return rng.choice(FOOTERS[lang]) + "\n\n" + text


def _edit_cut_last_paragraph(text: str, lang: str, rng: random.Random) -> str | None:
    paras = text.split("\n\n")
    if len(paras) < 5:
        return None
    return "\n\n".join(paras[:-1])


EDITS = {
    "drop_sentence": _edit_drop_sentence,
    "number": _edit_number,
    "drop_words": _edit_drop_words,
    "footer": _edit_footer,
    "byline": _edit_byline,
    "cut_last_paragraph": _edit_cut_last_paragraph,
}


def near_duplicate(src: Source, variant: int, taken: set[str]) -> tuple[str, list[str]]:
    """A realistic edited copy of ``src.text``: 1-3 small edits, never seen before."""
    rng = random.Random(f"{SEED}:{src.lang}:{src.index}:{variant}")
    for _attempt in range(50):
        text, applied = src.text, []
        ops = list(EDITS)
        if src.edits:
            ops += ["manual"] * 2
        for op in rng.sample(ops, rng.randint(1, 2)):
            if op == "manual":
                old, new = rng.choice(src.edits)
                if old not in text:
                    continue
                text, name = text.replace(old, new, 1), "changed_sentence"
            else:
                edited = EDITS[op](text, src.lang, rng)
                if edited is None:
                    continue
                text, name = edited, op
            if name not in applied:
                applied.append(name)
        if applied and text not in taken:
            return text, applied
    raise RuntimeError(f"could not make near-duplicate {variant} of {src.url}")


def _exact_url(url: str, k: int) -> str:
    """Another address serving the same page (mirror, tracking query, AMP, http)."""
    variants = (
        lambda u: u + ("&" if "?" in u else "?") + "utm_source=newsletter&utm_medium=email",
        lambda u: u.replace("https://", "http://", 1),
        lambda u: u.rstrip("/") + "/amp",
        lambda u: u + ("&" if "?" in u else "?") + "page=1",
        lambda u: u.replace("://www.", "://m.", 1) if "://www." in u else u + "#comments",
    )
    return variants[k % len(variants)](url)


def _near_url(url: str, k: int) -> str:
    slug = url.rstrip("/").rsplit("/", 1)[-1] or "index"
    return f"{MIRRORS[k % len(MIRRORS)]}{slug}"


# ---------------------------------------------------------------- assembly


def expand_docs(sources: list[Source]) -> list[list[Doc]]:
    """One cluster (original + exact and near copies) per source document."""
    clusters: list[list[Doc]] = []
    for n, src in enumerate(sources):
        cid = f"{src.lang}-{n:04d}"
        orig = Doc(lang=src.lang, kind=src.kind, url=src.url, text=src.text, cluster=cid)
        members = [orig]
        for k in range(src.dup):
            members.append(
                Doc(
                    src.lang,
                    src.kind,
                    _exact_url(src.url, k + src.index),
                    src.text,
                    cid,
                    dup="exact",
                )
            )
        taken = {src.text}
        for k in range(src.near):
            text, applied = near_duplicate(src, k, taken)
            taken.add(text)
            members.append(
                Doc(
                    src.lang,
                    src.kind,
                    _near_url(src.url, k + src.index),
                    text,
                    cid,
                    "near",
                    applied,
                )
            )
        clusters.append(members)
    return clusters


def assign_shards(clusters: list[list[Doc]]) -> list[list[Doc]]:
    """Spread documents over shards; copies of one document go to different shards."""
    rng = random.Random(SEED)
    order = list(clusters)
    rng.shuffle(order)
    shards: list[list[Doc]] = [[] for _ in range(N_SHARDS)]
    for members in order:
        ranked = sorted(range(N_SHARDS), key=lambda s: (len(shards[s]), rng.random()))
        for k, doc in enumerate(members):
            doc.shard = ranked[k % N_SHARDS]
            shards[doc.shard].append(doc)
    for rows in shards:
        rng.shuffle(rows)
    n = 0
    for rows in shards:
        for doc in rows:
            doc.id = f"sample-{n:06d}"
            n += 1
    for members in clusters:
        for doc in members[1:]:
            doc.dup_of = members[0].id
    return shards


def shingles(text: str, lang: str, n: int = 5) -> set[str]:
    """Word n-grams (character n-grams for languages without spaces)."""
    if lang in NO_SPACE_LANGS:
        s = re.sub(r"\s+", "", text)
        return {s[i : i + n] for i in range(max(1, len(s) - n + 1))}
    words = text.lower().split()
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: str, b: str, lang: str) -> float:
    sa, sb = shingles(a, lang), shingles(b, lang)
    return len(sa & sb) / len(sa | sb)


# ---------------------------------------------------------------- writers


def _jsonl(rows: list[Doc]) -> bytes:
    lines = [
        json.dumps({"id": d.id, "text": d.text, "url": d.url, "source": SOURCE}, ensure_ascii=False)
        for d in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write_gzip(path: Path, rows: list[Doc]) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(_jsonl(rows))
    path.write_bytes(buf.getvalue())


def _write_zstd(path: Path, rows: list[Doc]) -> None:
    path.write_bytes(zstandard.ZstdCompressor(level=19).compress(_jsonl(rows)))


def _write_parquet(path: Path, rows: list[Doc]) -> None:
    table = pa.table(
        {
            "id": pa.array([d.id for d in rows], pa.string()),
            "text": pa.array([d.text for d in rows], pa.string()),
            "url": pa.array([d.url for d in rows], pa.string()),
            "source": pa.array([SOURCE] * len(rows), pa.string()),
        }
    )
    pq.write_table(table, path, compression="zstd", row_group_size=64)


def _write_plain(path: Path, rows: list[Doc]) -> None:
    path.write_bytes(_jsonl(rows))


WRITERS = (_write_gzip, _write_zstd, _write_parquet, _write_plain)


def label_rows(shards: list[list[Doc]]) -> list[dict[str, object]]:
    """Ground truth per document, sorted by id."""
    originals = {d.id: d for rows in shards for d in rows if d.dup == "original"}
    out = []
    for rows in shards:
        for d in rows:
            row: dict[str, object] = {
                "id": d.id,
                "shard": SHARD_NAMES[d.shard],
                "lang": d.lang,
                "kind": d.kind,
                "dup": d.dup,
                "dup_of": d.dup_of,
                "cluster": d.cluster,
                "url": d.url,
                "chars": len(d.text),
                "edits": d.edits,
                "jaccard": None,
            }
            if d.dup_of is not None:
                row["jaccard"] = round(jaccard(originals[d.dup_of].text, d.text, d.lang), 4)
            out.append(row)
    return sorted(out, key=lambda r: str(r["id"]))


def build(out_dir: Path, labels_path: Path | None = None) -> list[dict[str, object]]:
    """Write the shards into ``out_dir`` (and the labels, if asked); return the labels."""
    clusters = expand_docs(load_sources())
    shards = assign_shards(clusters)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, writer, rows in zip(SHARD_NAMES, WRITERS, shards, strict=True):
        writer(out_dir / name, rows)
    labels = label_rows(shards)
    if labels_path is not None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labels)
        labels_path.write_text(text, encoding="utf-8")
    return labels


def counts_table(labels: list[dict[str, object]]) -> str:
    """A Markdown table: documents per language and kind, plus duplicate counts."""
    langs = sorted({str(r["lang"]) for r in labels})
    by = Counter((str(r["lang"]), str(r["kind"])) for r in labels)
    dups = Counter((str(r["lang"]), str(r["dup"])) for r in labels)
    head = ["lang", "docs", *KINDS, "exact dup", "near dup"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total: Counter[int] = Counter()
    for lang in langs:
        cells = [sum(by[lang, k] for k in KINDS)] + [by[lang, k] for k in KINDS]
        cells += [dups[lang, "exact"], dups[lang, "near"]]
        total.update(dict(enumerate(cells)))
        lines.append("| " + " | ".join([lang, *map(str, cells)]) + " |")
    lines.append("| **all** | " + " | ".join(str(total[i]) for i in range(len(head) - 1)) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dataprep.sample_data.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, default=None, help="shard folder (default: corpus/)")
    parser.add_argument(
        "--labels",
        type=Path,
        default=None,
        help="where to write labels.jsonl (default: next to corpus/ when --out is not given)",
    )
    parser.add_argument("--counts", action="store_true", help="print counts; write nothing")
    args = parser.parse_args(argv)
    if args.counts:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            labels = build(Path(tmp))
    else:
        out = args.out or CORPUS_DIR
        labels_path = args.labels or (LABELS_PATH if args.out is None else None)
        labels = build(out, labels_path)
        sizes = {name: (out / name).stat().st_size for name in SHARD_NAMES}
        for name, size in sizes.items():
            print(f"{out / name}: {size:,} bytes")
        print(f"total: {sum(sizes.values()):,} bytes")
    print(counts_table(labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
