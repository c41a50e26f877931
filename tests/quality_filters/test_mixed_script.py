# ruff: noqa: RUF001  (intentional non-ASCII punctuation of other scripts)
"""Mixed-script documents: a document labelled with a spaced-script language whose
Chinese/Japanese/Thai part is a tenth to a half of its letters is judged by its
label's rules on its label's text (word-level signals); other texts are unchanged."""

from __future__ import annotations

import pytest

from filters import FineWeb, GopherQuality, GopherRepetition
from filters._text import Analysis, majority_text
from filters.stack import FilterStack

EN = (
    "The city council approved the new cycling bridge on Tuesday after a long debate about "
    "its cost. Construction is expected to start next spring and to take about two years, "
    "and the old ferry will keep running until the bridge opens to the public.\n\n"
    "Residents of both banks have waited for this decision for more than a decade, and most "
    "of them welcomed it at the meeting. The mayor thanked the engineers and the neighbours "
    "who had campaigned for a safer crossing, and promised regular updates on the works."
)
ZH = (
    "市政府周二批准了新的自行车桥建设计划，经过长时间的讨论，工程预计明年春天开工，工期大约两年。"
    "在大桥建成通车之前，原有的渡轮将继续运营，为两岸居民提供便利。"
)
TH = "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย และเป็นศูนย์กลางทางเศรษฐกิจที่สำคัญ"
MIXED = EN + "\n\n" + ZH + ZH  # ~ 23% of the letters are Chinese


def test_an_english_document_with_a_chinese_part_keeps_its_english_rules() -> None:
    g = GopherQuality()
    assert g.reason(MIXED, None) == "gopher_quality:mean_word_length_low"  # as before
    assert g.reason(MIXED, "en") is None
    sig = g.signals(MIXED, "en")
    assert sig == g.signals(EN, "en") | {"hash_ratio": 0.0}  # the English words only
    assert g.reason(ZH * 3, "zh") is None  # Chinese text keeps Chinese rules


def test_majority_text() -> None:
    assert majority_text(MIXED, "en") == EN + "\n\n "
    assert majority_text(EN + "\n" + TH * 2, "en").strip() == EN
    for text, lang in [
        (MIXED, "zh"),  # the label's own script
        (MIXED, None),  # no label
        (EN, "en"),  # nothing to remove
        (EN + " 北京", "en"),  # under a tenth of the letters
        (ZH * 10 + EN, "en"),  # a majority: the label disagrees with the text
    ]:
        assert majority_text(text, lang) is text


def test_judged_analysis_is_shared_and_keeps_the_whole_text() -> None:
    a = Analysis(MIXED)
    view = a.judged("en")
    assert view is a.judged("en") and view is not a
    assert view.text == MIXED and "市" not in view.tokens
    assert a.judged("zh") is a and Analysis(EN).judged("en").tokens == Analysis(EN).tokens


@pytest.mark.parametrize("filt", [GopherQuality(), GopherRepetition(), FineWeb()])
def test_batch_stack_and_reference_agree_on_mixed_documents(filt: object) -> None:
    texts = [MIXED, EN, ZH * 3, EN + "\n" + TH * 2, MIXED]
    langs = ["en", "en", "zh", "de", None]
    ref = [filt.signals(t, lg) for t, lg in zip(texts, langs, strict=True)]  # type: ignore[attr-defined]
    batch = filt.signal_batch(texts, langs).to_pylist()  # type: ignore[attr-defined]
    stacked = FilterStack([filt]).run(texts, langs).signals.to_pylist()  # type: ignore[list-item]
    name = filt.name  # type: ignore[attr-defined]
    for r, b, s in zip(ref, batch, stacked, strict=True):
        assert b == pytest.approx(r)
        assert {k.removeprefix(f"{name}."): v for k, v in s.items()} == pytest.approx(r)
