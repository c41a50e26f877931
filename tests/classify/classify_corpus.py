"""Deterministic labelled texts for the classifier tests and the README walkthrough.

(Not a ``conftest.py``: other test folders import their own ``conftest`` by name.)

* :func:`quality_docs`: "reference-quality" paragraphs (varied, well-formed
  sentences about museums, science, cities...) and spam (keyword stuffing, shouting,
  prices, links, repeated calls to action). About 8% of the spam is written in a
  calmer, prose-like style and some quality paragraphs mention prices and offers,
  so the two classes share vocabulary and the task is not perfectly separable.
* :func:`domain_docs`: a mixed corpus with a ``domain`` column (general, math,
  code, multilingual), each general document good or spammy.

Everything comes from ``random.Random(seed)``: same seed, same bytes.
"""

from __future__ import annotations

import random
from typing import Any

NOUNS = [
    "museum",
    "city",
    "council",
    "river",
    "library",
    "school",
    "garden",
    "bridge",
    "harbor",
    "village",
    "market",
    "scientist",
    "teacher",
    "student",
    "painter",
    "farmer",
    "engineer",
    "doctor",
    "historian",
    "festival",
    "collection",
    "report",
    "study",
    "map",
    "road",
    "forest",
    "station",
    "theater",
    "hospital",
    "factory",
]
ADJS = [
    "old",
    "new",
    "small",
    "large",
    "quiet",
    "busy",
    "famous",
    "local",
    "careful",
    "modern",
    "ancient",
    "public",
    "narrow",
    "wide",
    "early",
    "late",
    "rural",
    "coastal",
    "northern",
    "southern",
]
VERBS = [
    "opened",
    "described",
    "restored",
    "studied",
    "visited",
    "built",
    "explained",
    "measured",
    "organized",
    "recorded",
    "repaired",
    "designed",
    "collected",
    "published",
    "examined",
    "planned",
]
PLACES = [
    "in the spring",
    "near the old port",
    "after the long winter",
    "during the festival",
    "along the river",
    "in the northern valley",
    "at the edge of town",
    "for the first time",
]
CONNECT = ("However,", "Meanwhile,", "In addition,", "As a result,", "Later,", "Since then,")
SPAM_WORDS = [
    "buy",
    "cheap",
    "free",
    "best",
    "price",
    "discount",
    "casino",
    "bonus",
    "win",
    "money",
    "click",
    "offer",
    "deal",
    "limited",
    "viagra",
    "pills",
    "loan",
    "crypto",
    "guaranteed",
    "sale",
]
CALLS = ("CLICK HERE", "BUY NOW", "ORDER TODAY", "ACT FAST", "DON'T MISS OUT", "100% FREE")


def _sentence(rng: random.Random) -> str:
    s = (
        f"the {rng.choice(ADJS)} {rng.choice(NOUNS)} {rng.choice(VERBS)} the "
        f"{rng.choice(NOUNS)} {rng.choice(PLACES)}"
    )
    if rng.random() < 0.4:
        s = f"{rng.choice(CONNECT)} {s}"
    if rng.random() < 0.3:
        s += f", and the {rng.choice(NOUNS)} {rng.choice(VERBS)} a {rng.choice(ADJS)} one"
    return s[0].upper() + s[1:] + "."


def good_text(rng: random.Random) -> str:
    sentences = [_sentence(rng) for _ in range(rng.randint(3, 7))]
    if rng.random() < 0.1:  # honest mentions of prices and offers
        sentences.append(f"Tickets cost {rng.randint(3, 20)} euros, with a discount for students.")
    paragraphs = [
        " ".join(sentences[: len(sentences) // 2]),
        " ".join(sentences[len(sentences) // 2 :]),
    ]
    return "\n\n".join(p for p in paragraphs if p)


def spam_text(rng: random.Random) -> str:
    if rng.random() < 0.08:  # prose-like spam, close to the good class
        s = [_sentence(rng) for _ in range(rng.randint(2, 4))]
        s.append(f"Visit our shop for the best {rng.choice(SPAM_WORDS)} deal today.")
        return " ".join(s)
    parts = []
    for _ in range(rng.randint(6, 14)):
        r = rng.random()
        if r < 0.25:
            parts.append(rng.choice(CALLS) + "!!!")
        elif r < 0.4:
            parts.append(f"${rng.randint(1, 99)}.{rng.randint(0, 99):02d}")
        elif r < 0.5:
            parts.append(f"http://{rng.choice(SPAM_WORDS)}-{rng.randint(1, 999)}.example.com")
        else:
            word = rng.choice(SPAM_WORDS)
            parts.append(
                " ".join([word.upper() if rng.random() < 0.3 else word] * rng.randint(1, 3))
            )
    return " ".join(parts)


def quality_docs(n_per_class: int, *, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """``{"positive": [...], "negative": [...]}`` with ``id`` and ``text``."""
    rng = random.Random(seed)
    pos = [{"id": f"good-{i:05d}", "text": good_text(rng)} for i in range(n_per_class)]
    neg = [{"id": f"spam-{i:05d}", "text": spam_text(rng)} for i in range(n_per_class)]
    return {"positive": pos, "negative": neg}


MATH = (
    "Let x = {a}. Then {b}x + {c} = {d}, so the equation holds. "
    "Since {a} is {parity}, the sum of the first {a} odd numbers is {sq}. "
    "Therefore the area of a square with side {a} is {sq}."
)
CODE = (
    "def scale_{name}(values, factor={a}):\n"
    "    '''Multiply every value by factor.'''\n"
    "    return [v * factor for v in values if v > {c}]\n\n"
    "print(scale_{name}([{a}, {b}, {c}]))\n"
)
MULTI = (
    "Das {w1} Museum wurde im Frühling eröffnet, und viele Besucher kamen in die Stadt.",
    "Le {w1} musée a ouvert une nouvelle aile au printemps, et les visiteurs sont venus.",
    "El {w1} museo abrió una nueva sala en primavera y llegaron muchos visitantes.",
)


def domain_docs(
    counts: dict[str, int], *, seed: int = 0, spam_share: float = 0.5
) -> list[dict[str, Any]]:
    """A shuffled mixed corpus with ``id``, ``text`` and ``domain``."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for domain, n in counts.items():
        for i in range(n):
            a, b = rng.randint(2, 30), rng.randint(2, 9)
            if domain == "general":
                text = spam_text(rng) if rng.random() < spam_share else good_text(rng)
            elif domain == "math":
                c = rng.randint(1, 20)
                text = MATH.format(
                    a=a, b=b, c=c, d=a * b + c, parity="even" if a % 2 == 0 else "odd", sq=a * a
                )
            elif domain == "code":
                text = CODE.format(name=rng.choice(NOUNS), a=a, b=b, c=rng.randint(0, 9))
            else:
                text = " ".join(rng.choice(MULTI).format(w1=rng.choice(ADJS)) for _ in range(3))
            rows.append({"id": f"{domain}-{i:05d}", "text": text, "domain": domain})
    rng.shuffle(rows)
    return rows
