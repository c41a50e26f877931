"""Stages and a corpus used only by the report tests (registered under ``report_*`` names).

``report_lang_v0`` copies a ``true_lang`` column into ``lang`` and gives a
deterministic ``lang_score``; ``report_quality_v0`` is a small filter with two
signals (``chars``: int, ``alpha``: float) whose thresholds come in the three shapes
stage_info allows: a scalar, ``[lo, hi]`` and a per-language dict.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from dataprep.engine.driver import run_pipeline
from dataprep.recipe import registry
from dataprep.recipe.config import parse_recipe
from dataprep.stages.base import BatchStage, StageConfig, StageOutput

EVIL_SCRIPT = "<script>document.title='PWNED'</script>"
EVIL_TEXTAREA = "</textarea><img src=x onerror=\"document.title='PWNED2'\">"
EVIL_QUOTES = "\"'><svg onload=alert(1)> & friends"
EVIL_ALERT = "<script>alert(1)</script> and </textarea> then text"
EVIL = (EVIL_SCRIPT, EVIL_TEXTAREA, EVIL_QUOTES, EVIL_ALERT)

DUPLICATE = "this exact english text appears many times in the corpus, as duplicates do"
_WORDS = {
    "en": [
        "the",
        "data",
        "set",
        "is",
        "clean",
        "and",
        "every",
        "word",
        "here",
        "is",
        "plain",
        "english",
        "text",
        "for",
        "models",
    ],
    "de": [
        "der",
        "die",
        "das",
        "und",
        "ist",
        "ein",
        "eine",
        "nicht",
        "mit",
        "auf",
        "für",
        "sind",
        "daten",
        "sauber",
        "text",
    ],
    "fr": [
        "le",
        "la",
        "les",
        "et",
        "est",
        "un",
        "une",
        "pas",
        "avec",
        "sur",
        "pour",
        "sont",
        "données",
        "propre",
        "texte",
    ],
}


@dataclass(frozen=True, kw_only=True)
class LangConfig(StageConfig):
    min_score: float = 0.1


class ReportLang(BatchStage[LangConfig]):
    """Language from the ``true_lang`` column; score from a hash of the text."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        texts = batch.column(self.ctx.text_column).to_pylist()
        names = batch.schema.names
        langs = batch.column("true_lang").to_pylist() if "true_lang" in names else None
        scores = [xxhash.xxh32_intdigest((t or "").encode()) / 2**32 for t in texts]
        lang = [(langs[i] if langs else None) or "und" for i in range(len(texts))]
        reason = ["lang_low_score" if s < self.config.min_score else None for s in scores]
        out = batch.append_column("lang", pa.array(lang, pa.string()))
        out = out.append_column("lang_score", pa.array(scores, pa.float32()))
        return StageOutput(out, pa.array(reason, pa.string()))

    def thresholds(self) -> dict[str, Any]:
        return {"lang_score": self.config.min_score}


@dataclass(frozen=True, kw_only=True)
class QualityConfig(StageConfig):
    min_chars: int = 20
    max_chars: int = 2000
    min_alpha: Mapping[str, float] = field(default_factory=lambda: {"en": 0.7, "de": 0.65})


class ReportQuality(BatchStage[QualityConfig]):
    """Remove markup, too short/long texts, and texts with few letters."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        texts = [t or "" for t in batch.column(self.ctx.text_column).to_pylist()]
        names = batch.schema.names
        langs = batch.column("lang").to_pylist() if "lang" in names else [None] * len(texts)
        chars = [len(t) for t in texts]
        alpha = [sum(c.isalpha() for c in t) / max(len(t), 1) for t in texts]
        reasons = []
        for t, n, a, lg in zip(texts, chars, alpha, langs, strict=True):
            if "<" in t:
                reasons.append("markup")
            elif not self.config.min_chars <= n <= self.config.max_chars:
                reasons.append("bad_length")
            elif a < self.config.min_alpha.get(lg or "", 0.6):
                reasons.append("low_alpha")
            else:
                reasons.append(None)
        out = batch.append_column(f"{self.name}__chars", pa.array(chars, pa.int64()))
        out = out.append_column(f"{self.name}__alpha", pa.array(alpha, pa.float64()))
        return StageOutput(out, pa.array(reasons, pa.string()))

    def thresholds(self) -> dict[str, Any]:
        c = self.config
        return {
            f"{self.name}__chars": [c.min_chars, c.max_chars],
            f"{self.name}__alpha": dict(c.min_alpha),
        }


for _name, _cls in {"report_lang_v0": ReportLang, "report_quality_v0": ReportQuality}.items():
    if not registry.has(_name):
        registry.register(_name)(_cls)


def make_corpus(root: Path, n: int = 150, *, evil: bool = True) -> Path:
    """Deterministic multilingual shards: duplicates, short, noisy and (optionally) evil docs."""
    rng = random.Random(7)
    docs: list[dict[str, Any]] = []
    langs = ["en"] * 6 + ["de"] * 3 + ["fr"]
    for i in range(n):
        lang = langs[i % len(langs)]
        size = rng.choice([2, 8, 15, 40, 90])
        text = " ".join(rng.choice(_WORDS[lang]) for _ in range(size))
        if i % 11 == 0:
            text = "1234 5678 90 !!! " * 3 + text[:20]
        if i % 13 == 0 and i:
            text = DUPLICATE
        docs.append({"id": f"d{i:04d}", "text": text, "true_lang": lang, "url": f"u/{i}"})
    if evil:
        for k, text in enumerate(EVIL):
            docs[5 + k]["text"] = text
    docs[3]["text"] = None
    root.mkdir(parents=True, exist_ok=True)
    half = len(docs) // 2
    pq.write_table(pa.Table.from_pylist(docs[:half]), root / "a.parquet")
    pq.write_table(pa.Table.from_pylist(docs[half:]), root / "b.parquet")
    return root


FULL_STAGES: list[dict[str, Any]] = [
    {"stage": "report_lang_v0", "name": "langid", "min_score": 0.05},
    {"stage": "report_quality_v0", "name": "strict", "annotate": True, "min_chars": 60},
    {"stage": "report_quality_v0", "name": "quality"},
    {"stage": "exact_dedup_v1", "name": "dedup"},
    {"stage": "balance_v1", "name": "balance", "unit": "docs", "max_repeats": 2},
]


def run(stages: list[dict[str, Any]], corpus: Path, out: Path, **kw: Any) -> Path:
    # The duplicate evidence shows kept partners that balancing removed later: with
    # their text only when removed documents keep it.
    recipe = parse_recipe({"name": "report-test", "run": {"batch_size": 16},
                           "output": {"keep_removed": "full"}, "stages": stages})  # fmt: skip
    run_pipeline(recipe, [str(corpus)], out, workers=kw.pop("workers", 1), progress=False, **kw)
    return out


def make_docs_without_ids(root: Path) -> Path:
    """Two JSONL shards with texts only (no id column)."""
    root.mkdir(parents=True, exist_ok=True)
    for k in range(2):
        lines = [json.dumps({"text": " ".join(["w"] * ((i * 3 + k) % 7))}) for i in range(20)]
        (root / f"s{k}.jsonl").write_text("\n".join(lines) + "\n")
    return root


_SENTENCES = {
    "en": [
        "The river runs past the old mill and into the valley below.",
        "Every spring the farmers plant wheat on the northern fields.",
        "Children walk to the village school along the narrow road.",
        "The library opens at nine and closes late on Thursdays.",
        "Fresh bread is sold at the bakery beside the church square.",
        "A small museum tells the story of the coal mines nearby.",
        "Tourists climb the hill to see the ruins of the castle.",
        "The market fills the main street every Saturday morning.",
    ],
    "de": [
        "Der Fluss fließt an der alten Mühle vorbei ins Tal hinunter.",
        "Jeden Frühling säen die Bauern Weizen auf den nördlichen Feldern.",
        "Die Kinder gehen auf der schmalen Straße zur Dorfschule.",
        "Die Bibliothek öffnet um neun und schließt donnerstags spät.",
        "Frisches Brot gibt es in der Bäckerei neben dem Kirchplatz.",
        "Ein kleines Museum erzählt die Geschichte der Kohlegruben.",
    ],
}
BOILERPLATE = "Subscribe to our newsletter for weekly updates from the valley."
EMAIL = "mayor.office@example.org"


def make_evidence_corpus(root: Path, n: int = 120) -> Path:
    """Multi-line English and German pages built to contain every report case: exact
    and near duplicates, C4 line removals, PII, a boilerplate line repeated across
    pages (line dedup), and German pages with fewer letters (a per-language threshold)."""
    rng = random.Random(11)
    docs: list[dict[str, Any]] = []
    for i in range(n):
        lang = "de" if i % 3 == 0 else "en"
        vocab = " ".join(_SENTENCES[lang]).replace(".", "").split()
        lines = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 14))).capitalize() + "."
            for _ in range(rng.randint(6, 12))
        ]
        if i % 4 == 0:
            lines.insert(1, "Click here")  # C4: too few words
            lines.append("Please enable javascript to see the map of the valley.")
        if i % 5 == 0:
            lines.insert(2, f"Write to {EMAIL} or call 555-123-4567 for details.")
        if i % 2 == 0:
            lines.append(BOILERPLATE)
        if i % 7 == 0:  # a logging line: n-gram coverage removes it
            lines.insert(3, "error code 42 retry failed now " * 5 + "giving up.")
        if lang == "de" and i % 6 == 0:
            lines.append("Tel. 12 34 56 78 90 12 34 56 78 90 12 34 56 78 90 12 34.")
        docs.append({"id": f"e{i:04d}", "text": "\n".join(lines), "true_lang": lang})
    for k, src in enumerate(range(1, 40, 6)):  # near duplicates: one word changed
        words = docs[src]["text"].split(" ")
        words[len(words) // 2] = "CHANGED"
        docs.append(
            {"id": f"near{k}", "text": " ".join(words), "true_lang": docs[src]["true_lang"]}
        )
    for k, src in enumerate((7, 7, 7, 19)):  # exact duplicates: a cluster of 4, one of 2
        docs.append(
            {"id": f"copy{k}", "text": docs[src]["text"], "true_lang": docs[src]["true_lang"]}
        )
    root.mkdir(parents=True, exist_ok=True)
    half = len(docs) // 2
    pq.write_table(pa.Table.from_pylist(docs[:half]), root / "a.parquet")
    pq.write_table(pa.Table.from_pylist(docs[half:]), root / "b.parquet")
    return root


EVIDENCE_STAGES: list[dict[str, Any]] = [
    {"stage": "report_lang_v0", "name": "langid", "min_score": 0.0},
    {
        "stage": "c4_v1",
        "name": "c4",
        "min_sentences": 2,
        "lang_overrides": {"de": {"min_sentences": 3}},
    },
    {"stage": "ngram_coverage_v1", "name": "ngrams"},
    {"stage": "pii_redact_v1", "name": "pii"},
    {"stage": "line_dedup_v1", "name": "lines", "max_occurrences": 5},
    {"stage": "line_dedup_apply_v1", "name": "lines_apply", "source": "lines"},
    {"stage": "report_quality_v0", "name": "strict", "annotate": True, "min_chars": 400},
    {"stage": "report_quality_v0", "name": "quality", "min_alpha": {"en": 0.8, "de": 0.83}},
    {"stage": "exact_dedup_v1", "name": "exact"},
    {"stage": "minhash_dedup_v1", "name": "near", "threshold": 0.7},
]


def make_large_corpus(root: Path, n: int, *, languages: int = 40, shards: int = 4) -> Path:
    """``n`` multi-line pages in ``languages`` made-up languages (code ``l00``...), with
    exact and near duplicates, C4 line noise and e-mail addresses: every report
    section fills up, for the size bound of report.html."""
    rng = random.Random(5)
    vocab = " ".join(_SENTENCES["en"]).replace(".", "").lower().split()
    docs: list[dict[str, Any]] = []
    for i in range(n):
        lang = f"l{min(int(rng.paretovariate(1.2)) - 1, languages - 1):02d}"
        lines = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(6, 16))).capitalize() + "."
            for _ in range(rng.randint(3, 9))
        ]
        if i % 3 == 0:
            lines.insert(1, "Click here")
        if i % 7 == 0:
            lines.append(f"Mail user{i}@example.org now.")
        text = "\n".join(lines)
        if i % 10 == 1:
            text = docs[i - 1]["text"]
        elif i % 10 == 2:
            text = docs[i - 2]["text"].replace(" the ", " a ", 1) + " More."
        docs.append({"id": f"g{i:07d}", "text": text, "true_lang": lang})
    root.mkdir(parents=True, exist_ok=True)
    step = -(-n // shards)
    for k in range(shards):
        table = pa.Table.from_pylist(docs[k * step : (k + 1) * step])
        pq.write_table(table, root / f"large-{k}.parquet", row_group_size=4096)
    return root


LARGE_STAGES: list[dict[str, Any]] = [
    {"stage": "report_lang_v0", "name": "langid", "min_score": 0.02},
    {"stage": "c4_v1", "name": "c4", "min_sentences": 2},
    {"stage": "pii_redact_v1", "name": "pii"},
    {"stage": "report_quality_v0", "name": "strict", "annotate": True, "min_chars": 300},
    {"stage": "report_quality_v0", "name": "quality", "min_alpha": {"l00": 0.8, "l01": 0.79}},
    {"stage": "exact_dedup_v1", "name": "exact"},
    {"stage": "minhash_dedup_v1", "name": "near", "threshold": 0.7},
]
