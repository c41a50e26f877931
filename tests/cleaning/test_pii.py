"""``pii_redact_v1``: what is replaced, with what, counted per type; text outside matches
never changes (hypothesis)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cleaning_helpers import column, make, run_batch
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.cleaning.pii import (
    EMAIL_PLACEHOLDERS,
    IP_PLACEHOLDERS,
    PIIOptions,
    find_pii,
    redact,
)
from dataprep.cleaning.pii_eval import evaluate
from dataprep.cleaning.pii_phones import regions_for
from dataprep.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("write to jane.doe+news@mail.example.co.uk today", ["email"]),
        ("not an email: a@b, @handle, user@localhost", []),
        ("server at 8.8.8.8, gateway 192.168.1.1, loopback 127.0.0.1", ["ipv4"]),
        ("version 1.2.3.4.5 and 999.1.1.1 and 01.2.3.4", []),
        ("host 2a00:1450:4001:81b::200e is up", ["ipv6"]),
        ("at 12:30:45 use std::vector and ::1 or fe80::1", []),
        ("call +44 20 7946 0958 now", ["phone"]),
        ("US (202) 555-0143 or 415-555-0199 or 415.555.0199", ["phone"] * 3),
        ("years 1990 2000 2010, date 2023-01-15, ISBN 978-3-16-148410-0", []),
        ("mail a@example.org from 8.8.4.4 or +33 1 42 68 53 00", ["email", "ipv4", "phone"]),
        # context rules: version, section and build numbers are not IPs
        ("upgrade to version 1.2.3.4 or v2.0.1.5", []),
        ("see section 3.1.2.4 and § 4.2.1.3; Abschnitt 2.4.1.3", []),
        # identifiers are not IPv6, file names are not emails
        ("call Feed::Add or Vec::new, or Dead::Beef", []),
        ("use icon@2x.png and banner@1.5x.jpg", []),
        ("escríbeme a josé.garcía@correo.es", ["email"]),
        ("tel:+15551234567", ["phone"]),
        ("international +447946095800", ["phone"]),
        ("Order 139661 shipped, ref 9154-7988", []),  # a local-length number is a reference
    ],
)
def test_detects(text: str, kinds: list[str]) -> None:
    assert [m.kind for m in find_pii(text, PIIOptions())] == kinds


@pytest.mark.parametrize(
    ("lang", "text", "phone"),
    [
        ("en", "London office: 020 7946 0958.", "020 7946 0958"),
        ("de", "Telefon: 030 12345678", "030 12345678"),
        ("fr", "Appelez le 01 42 68 53 00 demain.", "01 42 68 53 00"),
        ("ja", "電話番号は03-1234-5678です。", "03-1234-5678"),
        ("en", "Sydney: (02) 9374 4000", "(02) 9374 4000"),
        ("en", "Toll free: 1-800-555-0199", "1-800-555-0199"),
    ],
)
def test_national_phone_formats(lang: str, text: str, phone: str) -> None:
    matches = find_pii(text, PIIOptions(), regions=regions_for(lang))
    assert [(m.kind, text[m.start : m.end]) for m in matches] == [("phone", phone)]


def test_a_whole_north_american_number_is_replaced_once() -> None:
    new, counts, _ = redact("Toll free: 1-800-555-0199.", PIIOptions())
    assert new == "Toll free: +1-202-555-0100." and counts["phone"] == 1


def test_labelled_set_precision_and_recall_per_type() -> None:
    """The numbers the README publishes (benchmarks/pii_eval.py prints them)."""
    scores, errors = evaluate(Path(__file__).parent / "data" / "pii_labelled.jsonl")
    for kind in ("email", "ipv4", "ipv6", "phone"):
        assert scores[kind].precision >= 0.95, (kind, errors)
        assert scores[kind].recall >= 0.95, (kind, errors)


def test_placeholders_follow_fineweb_and_are_deterministic() -> None:
    text = "a john@site.com b 8.8.8.8 c"
    new, counts, matches = redact(text, PIIOptions())
    assert matches[0].replacement in EMAIL_PLACEHOLDERS
    assert matches[1].replacement in IP_PLACEHOLDERS
    assert redact(text, PIIOptions())[0] == new
    assert counts == {"email": 1, "ipv4": 1, "ipv6": 0, "phone": 0}


def test_private_ips_on_request() -> None:
    opts = PIIOptions(only_public_ips=False)
    assert [m.kind for m in find_pii("gateway 192.168.1.1", opts)] == ["ipv4"]


def test_stage_counts_per_type_and_toggles() -> None:
    texts = ["x@y.com and z@w.org", "ip 1.1.1.1 and 2606:4700:4700::1111", "+1 202 555 0100", None]
    out = run_batch(make("pii_redact_v1"), texts)
    assert column(out.batch, "pii_redact_v1__emails") == [2, 0, 0, 0]
    assert column(out.batch, "pii_redact_v1__ipv4") == [0, 1, 0, 0]
    assert column(out.batch, "pii_redact_v1__ipv6") == [0, 1, 0, 0]
    assert column(out.batch, "pii_redact_v1__phones") == [0, 0, 1, 0]
    assert out.reason.null_count == 4
    off = run_batch(make("pii_redact_v1", emails=False, phones=False), texts)
    assert column(off.batch, "text")[0] == texts[0]
    assert column(off.batch, "text")[2] == texts[2]
    custom = run_batch(make("pii_redact_v1", email_placeholders=("<EMAIL>",)), texts[:1])
    assert column(custom.batch, "text") == ["<EMAIL> and <EMAIL>"]


def test_stage_takes_phone_regions_from_the_language_column() -> None:
    texts = ["Telefon: 030 12345678", "Telefon: 030 12345678"]
    out = run_batch(make("pii_redact_v1"), texts, lang=["de", "ja"])
    assert column(out.batch, "pii_redact_v1__phones") == [1, 0]
    fixed = run_batch(make("pii_redact_v1", phone_regions=("DE",)), texts, lang=["de", "ja"])
    assert column(fixed.batch, "pii_redact_v1__phones") == [1, 1]
    with pytest.raises(ConfigError, match="unknown region"):
        make("pii_redact_v1", phone_regions=("XX",))


_piece = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "john.smith@example.net",
            "8.8.8.8",
            "10.0.0.1",
            "2001:4860:4860::8888",
            "+49 30 1234 5678",
            "(212) 555-0187",
            " ",
            "\n",
            ".",
            ":",
            "@",
            "1",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_piece, max_size=12))
def test_text_outside_matches_never_changes(pieces: list[str]) -> None:
    text = "".join(pieces)
    new, counts, matches = redact(text, PIIOptions())
    assert sum(counts.values()) == len(matches)
    # walk the output: every gap between matches is copied verbatim, in order
    pos_in, pos_out = 0, 0
    for m in matches:
        assert m.start >= pos_in and m.end > m.start
        gap = text[pos_in : m.start]
        assert new[pos_out : pos_out + len(gap)] == gap
        pos_out += len(gap)
        assert new[pos_out : pos_out + len(m.replacement)] == m.replacement
        pos_out += len(m.replacement)
        pos_in = m.end
    assert new[pos_out:] == text[pos_in:]
    # and a text with no '@', digit or ':' is never touched
    plain = re.sub(r"[@:\d]", "", text)
    assert redact(plain, PIIOptions())[0] == plain
