"""The XLSForm expression subset used in ``relevant`` and ``constraint``.

Supported: ``${name}``, ``.`` (the answer itself), 'strings', numbers, ``= != < <= > >=``,
``and``, ``or``, parentheses, ``not(x)``, ``selected(${name}, 'choice')`` and
``string-length(x)``. An expression is parsed once into a tree that can be evaluated
against answers, written as an Excel formula and described in German words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from .messages import text

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<name>[A-Za-z_][\w.-]*)\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<func>not|selected|string-length)\s*\(
      | (?P<word>and|or)\b
      | (?P<punct>[(),])
      | (?P<self>\.)
    )""",
    re.VERBOSE,
)

_EXCEL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_DESCRIBED_OPS = {"=": "expression.equal", "!=": "expression.not_equal", "<": "expression.less",
                  "<=": "expression.at_most", ">": "expression.greater", ">=": "expression.at_least"}
"""Comparison operator -> key of its text for :meth:`Expression.describe`."""


class ExpressionError(ValueError):
    """An expression outside the supported subset."""


@dataclass(frozen=True)
class Node:
    """One node of a parsed expression: ``kind`` with its ``value`` and ``args``."""

    kind: str  # ref, self, string, number, compare, and, or, not, selected, length
    value: object = None
    args: tuple["Node", ...] = ()


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the text it came from."""

    text: str
    tree: Node

    @property
    def references(self) -> set[str]:
        """Names of the questions the expression reads."""
        return _collect_refs(self.tree)

    @property
    def reads_own_answer(self) -> bool:
        """True when the expression uses ``.``, the answer of the question it belongs to."""
        return _uses_self(self.tree)

    def evaluate(self, value_of: Callable[[str | None], object]) -> bool:
        """Evaluate with ``value_of(name)`` (``None`` for ``.``) giving comparable values."""
        return bool(_evaluate(self.tree, value_of))

    def to_excel(self, cell_of: Callable[[str | None], str], literal: Callable[[str | None, str], str]) -> str:
        """An Excel formula (without ``=``); ``literal(name, text)`` maps a compared string."""
        return _excel(self.tree, cell_of, literal)

    def describe(self, label_of: Callable[[str | None], str], literal: Callable[[str | None, str], str]) -> str:
        """German words for a person, e.g. ``1 = „Nein“``."""
        return _describe(self.tree, label_of, literal)


def parse_expression(source: str) -> Expression:
    """Parse ``source`` or raise :class:`ExpressionError` saying what is wrong."""
    tokens = _tokenize(source)
    parser = _Parser(tokens, source)
    tree = parser.parse_or()
    if parser.position != len(tokens):
        raise ExpressionError(text("expression.unexpected", token=tokens[parser.position][1], expression=source))
    return Expression(source, tree)


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(source.rstrip()):
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            raise ExpressionError(text("expression.unreadable", rest=source[position:].strip(), expression=source))
        kind = match.lastgroup if match.lastgroup != "name" else "ref"
        if match.group("ref"):
            tokens.append(("ref", match.group("name")))
        else:
            tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], source: str):
        self.tokens, self.source, self.position = tokens, source, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = text("expression.the_end") if token is None else repr(token[1])
            raise ExpressionError(text("expression.expected", wanted=value or kind, found=found,
                                       expression=self.source))
        self.position += 1
        return token[1]

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.peek() == ("word", "or"):
            self.position += 1
            node = Node("or", args=(node, self.parse_and()))
        return node

    def parse_and(self) -> Node:
        node = self.parse_compare()
        while self.peek() == ("word", "and"):
            self.position += 1
            node = Node("and", args=(node, self.parse_compare()))
        return node

    def parse_compare(self) -> Node:
        node = self.parse_atom()
        token = self.peek()
        if token and token[0] == "op":
            self.position += 1
            node = Node("compare", token[1], (node, self.parse_atom()))
        return node

    def parse_atom(self) -> Node:
        token = self.peek()
        if token is None:
            raise ExpressionError(text("expression.ends_early", expression=self.source))
        kind, value = token
        self.position += 1
        if kind == "ref":
            return Node("ref", value)
        if kind == "self":
            return Node("self")
        if kind == "string":
            return Node("string", value[1:-1])
        if kind == "number":
            return Node("number", float(value))
        if kind == "punct" and value == "(":
            node = self.parse_or()
            self.take("punct", ")")
            return node
        if kind == "func":
            return self.parse_call(value)
        raise ExpressionError(text("expression.unexpected", token=value, expression=self.source))

    def parse_call(self, function: str) -> Node:
        first = self.parse_or()
        if function == "selected":
            self.take("punct", ",")
            choice = self.parse_atom()
            self.take("punct", ")")
            if first.kind != "ref" or choice.kind != "string":
                raise ExpressionError(text("expression.selected_arguments", expression=self.source))
            return Node("compare", "=", (first, choice))
        self.take("punct", ")")
        return Node("not" if function == "not" else "length", args=(first,))


def _collect_refs(node: Node) -> set[str]:
    found = {node.value} if node.kind == "ref" else set()
    for arg in node.args:
        found |= _collect_refs(arg)
    return found


def _uses_self(node: Node) -> bool:
    return node.kind == "self" or any(_uses_self(arg) for arg in node.args)


def _evaluate(node: Node, value_of: Callable[[str | None], object]) -> object:
    kind = node.kind
    if kind in ("ref", "self"):
        value = value_of(node.value if kind == "ref" else None)
        return "" if value is None else value
    if kind in ("string", "number"):
        return node.value
    if kind == "and":
        return all(_evaluate(arg, value_of) for arg in node.args)
    if kind == "or":
        return any(_evaluate(arg, value_of) for arg in node.args)
    if kind == "not":
        return not _evaluate(node.args[0], value_of)
    if kind == "length":
        return float(len(str(_evaluate(node.args[0], value_of))))
    left, right = (_evaluate(arg, value_of) for arg in node.args)
    return _compare(node.value, left, right)


def _compare(operator: str, left: object, right: object) -> bool:
    """XPath-like comparison: numbers when either side is a number, else text."""
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        try:
            left, right = float(left), float(right)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return operator == "!="
    else:
        left, right = str(left), str(right)
    return {
        "=": left == right, "!=": left != right, "<": left < right,
        "<=": left <= right, ">": left > right, ">=": left >= right,
    }[operator]


def _compared_name(node: Node) -> str | None:
    """The question a literal is compared with (so its choice name can become a label)."""
    refs = [arg.value for arg in node.args if arg.kind == "ref"]
    return refs[0] if refs else None


def _excel(node: Node, cell_of, literal) -> str:
    kind = node.kind
    if kind in ("ref", "self"):
        return cell_of(node.value if kind == "ref" else None)
    if kind == "number":
        return f"{node.value:g}"
    if kind == "string":
        return '"' + node.value.replace('"', '""') + '"'
    if kind in ("and", "or"):
        return f"{kind.upper()}({','.join(_excel(arg, cell_of, literal) for arg in node.args)})"
    if kind == "not":
        return f"NOT({_excel(node.args[0], cell_of, literal)})"
    if kind == "length":
        return f"LEN({_excel(node.args[0], cell_of, literal)})"
    name = _compared_name(node)
    left, right = (
        '"' + literal(name, arg.value).replace('"', '""') + '"' if arg.kind == "string"
        else _excel(arg, cell_of, literal)
        for arg in node.args
    )
    return f"{left}{_EXCEL_OPS[node.value]}{right}"


def _describe(node: Node, label_of, literal) -> str:
    kind = node.kind
    if kind in ("ref", "self"):
        return label_of(node.value if kind == "ref" else None)
    if kind == "number":
        return f"{node.value:g}".replace(".", ",")
    if kind == "string":
        return text("expression.quoted", value=node.value)
    if kind in ("and", "or"):
        left, right = (f"({_describe(arg, label_of, literal)})" if kind == "and" and arg.kind == "or"
                       else _describe(arg, label_of, literal) for arg in node.args)
        return text("expression.and" if kind == "and" else "expression.or", left=left, right=right)
    if kind in ("not", "length"):
        return text("expression.not" if kind == "not" else "expression.length",
                    operand=_describe(node.args[0], label_of, literal))
    name = _compared_name(node)
    if node.value in ("=", "!=") and any(arg.kind == "string" and arg.value == "" for arg in node.args):
        subject = next(arg for arg in node.args if not (arg.kind == "string" and arg.value == ""))
        return text("expression.unanswered" if node.value == "=" else "expression.answered",
                    subject=_describe(subject, label_of, literal))
    left, right = (
        text("expression.quoted", value=literal(name, arg.value)) if arg.kind == "string"
        else _describe(arg, label_of, literal)
        for arg in node.args
    )
    return text(_DESCRIBED_OPS[node.value], left=left, right=right)


def evaluate_with(answers: Mapping[str, object], own: object = None) -> Callable[[str | None], object]:
    """A ``value_of`` for :meth:`Expression.evaluate` over a mapping of answers."""
    return lambda name: own if name is None else answers.get(name)
