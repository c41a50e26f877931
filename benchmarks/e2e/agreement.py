"""Agreement of the documents dataprep and datatrove keep, and why they differ.

Kept ids come from each tool's output; the stage (and reason) that removed a document
from its removed-documents folder (dataprep ``removed/STAGE/``, column ``reason``;
datatrove ``removed/STEP/``, ``metadata.filter_reason`` where the filter gives one).
A document removed by a dedup stage on one side only is labelled ``other copy kept``
when that side kept another copy of the same family (ground truth of ``corpus.py``)
and the other side kept this one instead: both removed the duplicate, they chose a
different representative (dataprep keeps the first in input order; datatrove's
MinHash keeps the root of its union-find, its exact dedup the first per hash order).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

DEDUP = {"exact_dedup_v1", "minhash_dedup_v1", "exact", "minhash"}


def _ids(folder: Path) -> set[str]:
    out: set[str] = set()
    for path in sorted(folder.glob("*.parquet")):
        out.update(pq.read_table(path, columns=["id"]).column("id").to_pylist())
    return out


def dataprep_removed(out: Path) -> dict[str, tuple[str, str]]:
    removed = {}
    for stage in sorted(p for p in (out / "removed").iterdir() if p.is_dir()):
        for path in sorted(stage.glob("*.parquet")):
            t = pq.read_table(path, columns=["id", "reason"]).to_pydict()
            for i, r in zip(t["id"], t["reason"], strict=True):
                # a quality_stack_v1 stage removes for one of its filters ("c4:lorem_ipsum"):
                # that filter is the step to compare with datatrove's
                step = r.split(":", 1)[0] if r and ":" in r else stage.name
                removed[i] = (step, r or "")
    return removed


def datatrove_removed(work: Path) -> dict[str, tuple[str, str]]:
    removed = {}
    for step in sorted(p for p in (work / "removed").iterdir() if p.is_dir()):
        for path in sorted(step.glob("*.parquet")):
            t = pq.read_table(path, columns=["id", "metadata"]).to_pydict()
            for i, m in zip(t["id"], t["metadata"], strict=True):
                removed[i] = (step.name, (m or {}).get("filter_reason") or "")
    return removed


def _group(stage: str) -> str:
    return stage.removesuffix("_v1").replace("fasttext_", "").replace("_dedup", "")


def compare(dp_out: Path, dt_work: Path, labels: Path) -> dict[str, Any]:
    dp_kept, dt_kept = _ids(dp_out / "data"), _ids(dt_work / "output")
    dp_rm, dt_rm = dataprep_removed(dp_out), datatrove_removed(dt_work)
    lab = pq.read_table(labels, columns=["id", "family"]).to_pydict()
    family = dict(zip(lab["id"], lab["family"], strict=True))
    members: dict[str, list[str]] = defaultdict(list)
    for i, f in family.items():
        members[f].append(i)

    def why(doc: str, removed: dict[str, tuple[str, str]], kept_by_remover: set[str]) -> str:
        stage, reason = removed.get(doc, ("?", "not in output, not in removed"))
        label = f"{stage}: {reason}" if reason and reason != stage else stage
        if stage in DEDUP:
            others = [m for m in members[family[doc]] if m != doc]
            if any(m in kept_by_remover for m in others):
                label += " (other copy kept)"
        return label

    only_dp = sorted(dp_kept - dt_kept)  # datatrove removed these
    only_dt = sorted(dt_kept - dp_kept)  # dataprep removed these
    union = dp_kept | dt_kept
    return {
        "dataprep_kept": len(dp_kept),
        "datatrove_kept": len(dt_kept),
        "both_kept": len(dp_kept & dt_kept),
        "jaccard": len(dp_kept & dt_kept) / max(len(union), 1),
        "kept_by_dataprep_only": len(only_dp),
        "kept_by_datatrove_only": len(only_dt),
        "datatrove_removed_because": Counter(why(d, dt_rm, dt_kept) for d in only_dp).most_common(),
        "dataprep_removed_because": Counter(why(d, dp_rm, dp_kept) for d in only_dt).most_common(),
        "removed_by_both_at_other_stages": Counter(
            f"dataprep {dp_rm[d][0]} / datatrove {dt_rm[d][0]}"
            for d in set(dp_rm) & set(dt_rm)
            if _group(dp_rm[d][0]) != _group(dt_rm[d][0])
        ).most_common(),
        "removed_per_stage": {
            "dataprep": Counter(s for s, _ in dp_rm.values()),
            "datatrove": Counter(s for s, _ in dt_rm.values()),
        },
    }
