"""``dataprep export --format megatron``: the Megatron-LM indexed dataset, checked byte by
byte against the documented layout and round-tripped through an independent reader to
the tokenizer's own ids of every kept document, in the seeded shuffled order."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from export_harness import kept_in_run_order
from megatron_reader import read_documents, read_index
from tiny_tokenizer import encode, eod_id

from dataprep.cli import main
from dataprep.export import run as export_mod
from dataprep.export.megatron import index_bytes
from dataprep.export.options import ExportOptions
from dataprep.export.run import export_run
from dataprep.tokens.tokenizer import TokenizerSpec


def test_the_index_matches_hand_computed_bytes() -> None:
    # Two documents of 3 and 1 tokens in uint16 (dtype code 8).
    expected = (
        b"MMIDIDX\x00\x00"
        + (1).to_bytes(8, "little")  # version
        + bytes([8])  # dtype code: uint16
        + (2).to_bytes(8, "little")  # sequences
        + (3).to_bytes(8, "little")  # document index entries
        + struct.pack("<2i", 3, 1)  # sizes
        + struct.pack("<2q", 0, 6)  # byte pointers: 3 tokens x 2 bytes
        + struct.pack("<3q", 0, 1, 2)  # one document per sequence
    )
    assert index_bytes(np.array([3, 1]), np.dtype(np.uint16)) == expected
    big = index_bytes(np.array([2]), np.dtype(np.int32))
    assert big[17] == 4 and struct.unpack("<q", big[38:46]) == (0,)


def _export(run: Path, out: Path, tok: Path, **kw: object) -> dict:
    opts = ExportOptions(
        format="megatron",
        shard_bytes=kw.pop("shard_bytes", 40_000),
        shuffle_seed=kw.pop("seed", 7),
        tokenizer=TokenizerSpec(tokenizer=str(tok)),
    )
    return export_run(run, out, opts, **kw)


def test_round_trip_gives_the_tokenizers_ids_for_every_kept_document_in_shuffled_order(
    run: Path, tok: Path, tmp_path: Path
) -> None:
    code = main(["export", str(run), "-o", str(tmp_path / "mg"), "--format", "megatron",
                 "--tokenizer", str(tok), "--shuffle-seed", "7", "--shard-bytes", "40000",
                 "-j", "1", "-q"])  # fmt: skip
    assert code == 0
    manifest = json.loads((tmp_path / "mg" / "_manifest.json").read_text())
    kept = kept_in_run_order(run)
    order = np.random.default_rng(7).permutation(len(kept))
    assert not np.array_equal(order, np.arange(len(kept)))
    eod = eod_id(tok)
    expected = [[*encode(tok, kept[i]["text"]), eod] for i in order]
    got: list[list[int]] = []
    assert len(manifest["shards"]) > 3
    for shard in manifest["shards"]:
        docs = read_documents(tmp_path / "mg" / shard["file"])
        assert shard["docs"] == len(docs)
        assert shard["tokens"] == sum(map(len, docs))
        assert shard["bytes"] == (tmp_path / "mg" / f"{shard['file']}.bin").stat().st_size
        got += docs
    assert got == expected
    idx = read_index(tmp_path / "mg" / "part-00000.idx")
    assert idx["version"] == 1 and idx["dtype"] == np.dtype("<u2")
    assert idx["doc_idx"].tolist() == list(range(manifest["shards"][0]["docs"] + 1))
    # Tokens per language: the documents' ids plus one EOD each.
    by_lang: dict[str, int] = {}
    for doc in kept:
        by_lang[doc["lang"]] = by_lang.get(doc["lang"], 0) + doc["n_tokens"] + 1
    assert manifest["tokens_by_lang"] == dict(sorted(by_lang.items()))
    assert manifest["tokens"] == sum(map(len, expected))


def test_shards_stay_near_the_target_size(run: Path, tok: Path, tmp_path: Path) -> None:
    manifest = _export(run, tmp_path / "mg", tok, shard_bytes=30_000)
    sizes = [s["bytes"] for s in manifest["shards"]]
    # Greedy cut: every shard but the last is at most the target, and would pass it
    # with one more document.
    assert all(s <= 30_000 for s in sizes) and sum(sizes) > 10 * 30_000 * 0.5


def test_same_bytes_with_two_workers_and_after_an_interruption(
    run: Path, tok: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _export(run, tmp_path / "one", tok, workers=1)
    _export(run, tmp_path / "two", tok, workers=2)
    real, calls = export_mod.run_shard, []

    def crash_after_three(job):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(job.index)
        return real(job)

    monkeypatch.setattr(export_mod, "run_shard", crash_after_three)
    with pytest.raises(KeyboardInterrupt):
        _export(run, tmp_path / "cut", tok, workers=1)
    assert not (tmp_path / "cut" / "_manifest.json").exists()
    monkeypatch.setattr(
        export_mod, "run_shard", lambda job: (calls.append(job.index), real(job))[1]
    )
    _export(run, tmp_path / "cut", tok, workers=1)
    assert calls[:3] == [0, 1, 2] and 0 not in calls[3:], "finished shards were redone"

    def files(root: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(root.iterdir())}

    assert files(tmp_path / "one") == files(tmp_path / "two") == files(tmp_path / "cut")
    assert not (tmp_path / "cut" / "_export").exists()


def test_another_seed_gives_another_order_and_no_seed_keeps_the_run_order(
    run: Path, tok: Path, tmp_path: Path
) -> None:
    kept = kept_in_run_order(run)
    _export(run, tmp_path / "plain", tok, seed=None, shard_bytes=1 << 30)
    docs = read_documents(tmp_path / "plain" / "part-00000")
    assert docs == [[*encode(tok, d["text"]), eod_id(tok)] for d in kept]
    _export(run, tmp_path / "s8", tok, seed=8, shard_bytes=1 << 30)
    assert read_documents(tmp_path / "s8" / "part-00000") != docs


def test_megatron_without_a_tokenizer_is_a_one_line_error(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli_helpers import one_line_error

    assert main(["export", str(run), "-o", str(tmp_path / "x"), "-f", "megatron"]) == 2
    assert "needs --tokenizer" in one_line_error(capsys)
