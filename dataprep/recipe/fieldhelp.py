"""Help text for a config dataclass's options: name, type, default, one line.

The description is a field's ``metadata["help"]`` when given, else the string
literal written under the field in the class body (the attribute-docstring
convention the configs use), read with :mod:`ast` from the class source, walking
the class's bases. Only its first sentence is kept, with reStructuredText markup
(````x````, ``:class:`y```) removed, so ``dataprep stages -v`` and ``--help`` read as
plain text.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import re
import textwrap
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]*)``")
#: A sentence ends at ". " before a capital letter ("e.g. x" does not end one).
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z])")
#: Longest one-line description; longer ones end with "…".
HELP_CHARS = 110


@dataclass(frozen=True)
class FieldHelp:
    """One option of a config: what ``stages -v`` prints."""

    name: str
    type: str
    default: str
    help: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def plain(text: str) -> str:
    """``text`` without RST roles and literals, whitespace collapsed."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = _LITERAL.sub(r"\1", text)
    return " ".join(text.split())


def first_sentence(text: str) -> str:
    flat = plain(text)
    first = _SENTENCE_END.split(flat, maxsplit=1)[0] if flat else ""
    return first if len(first) <= HELP_CHARS else first[: HELP_CHARS - 1].rstrip() + "…"


def type_name(hint: Any) -> str:
    """``int | None``, ``tuple[str, ...]``, ``dict[str, float]`` as written."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if hint is type(None):
        return "None"
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        inner = ", ".join("..." if a is Ellipsis else type_name(a) for a in args)
        return f"{name}[{inner}]" if inner else name
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def default_text(f: dataclasses.Field[Any]) -> str:
    """The default as YAML would write it (a factory is called: ``{}``, ``[]``)."""
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "(required)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, types.MappingProxyType):
        value = dict(value)
    return repr(value)


@cache
def _attribute_docs(cls: type) -> dict[str, str]:
    """Field name -> the string literal under it in ``cls``'s body (and its bases')."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body
        if not body or not isinstance(body[0], ast.ClassDef):
            continue
        stmts = body[0].body
        for prev, node in itertools.pairwise(stmts):
            if (
                isinstance(prev, ast.AnnAssign)
                and isinstance(prev.target, ast.Name)
                and isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                docs[prev.target.id] = node.value.value
    return docs


_OPS = {"<": "below", ">": "above", "<=": "at or below", ">=": "at or above", "==": "equal to"}


def rule_help(stage_cls: type) -> dict[str, str]:
    """For a filter stage, field -> what its threshold does, from the filter's rule
    table (``filters._rules.Rule``): "remove when word_count is below this"."""
    out: dict[str, str] = {}
    for rule in getattr(getattr(stage_cls, "filter_cls", None), "rules", ()):
        where = f"remove when {rule.signal} is {_OPS.get(rule.op, rule.op)} this"
        if rule.field is not None:
            out.setdefault(rule.field, f"{where} ({rule.reason}); null disables the rule")
        if rule.enabled_by is not None:
            out.setdefault(rule.enabled_by, f"turns on {rule.reason}")
        if rule.zero_exempt is not None:
            out.setdefault(rule.zero_exempt, f"a {rule.signal} of exactly 0 passes {rule.reason}")
    return out


def field_help(cls: type, extra: dict[str, str] | None = None) -> list[FieldHelp]:
    """Every init field of config dataclass ``cls``, in declaration order; ``extra``
    describes fields that have no help of their own."""
    hints = typing.get_type_hints(cls)
    docs = {**(extra or {}), **_attribute_docs(cls)}
    out = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_"):
            continue
        text = f.metadata.get("help") or docs.get(f.name, "")
        out.append(
            FieldHelp(
                name=f.name,
                type=type_name(hints.get(f.name, f.type)),
                default=default_text(f),
                help=first_sentence(text),
            )
        )
    return out
