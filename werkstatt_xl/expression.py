"""The XLSForm expression subset used in ``relevant`` and ``constraint``.

Supported: ``${name}``, ``.`` (the answer itself), 'strings', numbers, ``= != < <= > >=``,
``and``, ``or``, parentheses, ``not(x)``, ``selected(${name}, 'choice')``,
``count-selected(${name})`` and ``string-length(x)``. A select_multiple's answer is, as in XLSForm,
its chosen names separated by spaces. An expression is parsed once into a tree that can be evaluated
against answers, written as an Excel formula and described in German words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from .anchors import answer_key
from .messages import text

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<name>[A-Za-z_][\w.-]*)\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<func>not|selected|count-selected|string-length)\s*\(
      | (?P<word>and|or)\b
      | (?P<punct>[(),])
      | (?P<self>\.)
    )""",
    re.VERBOSE,
)

_EXCEL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class ExpressionError(ValueError):
    """An expression outside the supported subset."""


@dataclass(frozen=True)
class Node:
    """One node of a parsed expression: ``kind`` with its ``value`` and ``args``."""

    kind: str  # ref, self, string, number, compare, and, or, not, selected, count, length
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

    def describe(self, label_of: Callable[[str], str], literal: Callable[[str | None, str], str]) -> str:
        """A German clause for a person to read after "wenn", e.g. ``Frage 1 mit „Nein“ beantwortet ist``;
        ``label_of(name)`` names a question (``Frage 1``), ``literal(name, text)`` maps a compared string."""
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
            return Node("selected", args=(first, choice))
        self.take("punct", ")")
        if function == "count-selected" and first.kind not in ("ref", "self"):
            raise ExpressionError(text("expression.count_selected_argument", expression=self.source))
        return Node({"not": "not", "count-selected": "count"}.get(function, "length"), args=(first,))


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
    if kind == "count":
        return float(len(str(_evaluate(node.args[0], value_of)).split()))
    if kind == "selected":
        answer, choice = (str(_evaluate(arg, value_of)) for arg in node.args)
        return answer == choice or choice in answer.split()
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
    if kind == "count":
        return f"COUNTA({_excel(node.args[0], cell_of, literal)})"
    if kind == "selected":
        question, choice = node.args
        box = cell_of(answer_key(question.value, choice=choice.value))  # a select_multiple's cell of the choice
        if box is not None:
            return f'{box}<>""'
        node = Node("compare", "=", node.args)
    name = _compared_name(node)
    left, right = (
        '"' + literal(name, arg.value).replace('"', '""') + '"' if arg.kind == "string"
        else _excel(arg, cell_of, literal)
        for arg in node.args
    )
    return f"{left}{_EXCEL_OPS[node.value]}{right}"


_LITERALS = ("string", "number")
_EMPTY = Node("string", "")
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
"""The operator that says the same with the sides swapped: ``2 < x`` is ``x > 2``."""
_NEGATED = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_PREDICATES = {"=": "expression.equal", "!=": "expression.not_equal", "<": "expression.less",
               "<=": "expression.at_most", ">": "expression.greater", ">=": "expression.at_least"}
"""Comparison operator -> key of its predicate for :meth:`Expression.describe` (``mindestens 5``)."""
_PREDICATES_NO_NUMBER = {"<=": "expression.not_greater", ">=": "expression.not_less"}
"""The predicates that read better without ``höchstens``/``mindestens`` when no number is compared."""
_LENGTH_PREDICATES = {"=": "expression.length_equal", "!=": "expression.length_not_equal",
                      "<": "expression.length_less", "<=": "expression.length_at_most",
                      ">": "expression.length_greater", ">=": "expression.length_at_least"}


def _normal(node: Node, negated: bool = False) -> Node:
    """``node`` (negated) as a person says it: every not() pushed into the comparisons (not(a = b) is
    a != b, not(a and b) is not(a) or not(b)), nested and/or of one kind flattened, each comparison
    read from its question's side (2 < x is x > 2), and a bare answer a comparison with ''."""
    kind = node.kind
    if kind == "not":
        return _normal(node.args[0], not negated)
    if kind == "selected":  # said as "answered with": "Frage 3 mit „Rad“ beantwortet ist"
        return _normal(Node("compare", "=", node.args), negated)
    if kind in ("and", "or"):
        kind = {"and": "or", "or": "and"}[kind] if negated else kind
        args: list[Node] = []
        for arg in node.args:
            arg = _normal(arg, negated)
            args.extend(arg.args if arg.kind == kind else (arg,))
        return Node(kind, args=tuple(args))
    if kind == "compare":
        operator, (left, right) = node.value, node.args
        if left.kind in _LITERALS and right.kind not in _LITERALS:
            operator, left, right = _FLIPPED[operator], right, left
        if (left.kind == "length" and left.args[0].kind in ("ref", "self") and right == Node("number", 0.0)
                and operator in ("=", "!=", ">", "<=")):  # string-length(x) > 0: x is answered
            operator, left, right = "!=" if operator in ("!=", ">") else "=", left.args[0], _EMPTY
        return Node("compare", _NEGATED[operator] if negated else operator, (left, right))
    # a bare value holds when it is not empty (a length or a number: not 0)
    subject = node.args[0] if kind == "length" else node
    zero = Node("number", 0.0) if kind in ("number", "count") else _EMPTY
    return Node("compare", "=" if negated else "!=", (subject, zero))


def _answer_compared(node: Node, operator: str) -> Node | None:
    """The question (ref or self) whose answer ``node`` compares with a value by ``operator``, else None."""
    if (node.kind == "compare" and node.value == operator and node.args[0].kind in ("ref", "self")
            and node.args[1].kind in _LITERALS):
        return node.args[0]
    return None


def _merged(kind: str, args: tuple[Node, ...]) -> list[Node]:
    """The parts of an and/or, one per question where a person names it once: ``x = 'a' or x = 'b'``
    is x answered with („a“ or „b“); ``x != '' and x != 'a'`` is x answered with another answer than „a“;
    ``x != '' and x = 'a'`` is x answered with „a“."""
    operator = "=" if kind == "or" else "!="
    values: dict[Node, list[Node]] = {}
    answered = set()
    for arg in args:
        subject = _answer_compared(arg, operator)
        if subject is not None and arg.args[1] != _EMPTY:
            values.setdefault(subject, []).append(arg.args[1])
        elif subject is not None and kind == "and":
            answered.add(subject)
    merged = {subject for subject, found in values.items() if len(found) > 1 or subject in answered}
    chosen = {_answer_compared(arg, "=") for arg in args if arg.kind == "compare" and arg.args[1] != _EMPTY}
    parts, placed = [], set()
    for arg in args:
        subject = _answer_compared(arg, operator)
        if kind == "and" and subject in answered and subject in chosen - merged:
            continue  # x = 'a' and x != '': answered goes without saying
        if subject not in merged or (arg.args[1] == _EMPTY and kind == "or"):
            parts.append(arg)
        elif subject not in placed:
            placed.add(subject)
            group = Node("values", args=tuple(values[subject]))
            parts.append(Node("otherwise", args=(subject, group)) if subject in answered
                         else Node("compare", operator, (subject, group)))
    return parts


def _describe(node: Node, label_of, literal) -> str:
    return _sentence(_clauses(_normal(node), label_of, literal), "expression.and")


def _sentence(clauses: list[tuple[str | None, str]], joined_by: str) -> str:
    """Clauses joined by und/oder; those about one subject share it: ``die Antwort auf Frage 2 mindestens
    2,5 und höchstens 4 ist``."""
    order: list[tuple[str | None, str]] = []
    predicates: dict[str, list[str]] = {}
    for subject, words in clauses:
        if subject is None or subject not in predicates:
            order.append((subject, words))
        if subject is not None:
            predicates.setdefault(subject, []).append(words)
    return _listed([words if subject is None else
                    text("expression.is", subject=subject, predicate=_listed(predicates[subject], joined_by))
                    for subject, words in order], joined_by)


def _listed(parts: list[str], joined_by: str) -> str:
    """``a``, ``a und b``, ``a, b und c``."""
    if len(parts) == 1:
        return parts[0]
    return text(joined_by, left=", ".join(parts[:-1]), right=parts[-1])


def _clauses(node: Node, label_of, literal) -> list[tuple[str | None, str]]:
    """``node`` (in :func:`_normal` form) as clauses: (subject, predicate) where the subject can be
    shared with the next clause, else (None, the whole clause)."""
    kind = node.kind
    if kind in ("and", "or"):
        parts: list[tuple[str | None, str]] = []
        for part in _merged(kind, node.args):
            if part.kind in ("and", "or") and len(_merged(part.kind, part.args)) > 1:
                nested = _sentence(_clauses(part, label_of, literal), f"expression.{part.kind}")
                parts.append((None, f"({nested})"))
            else:
                parts.extend(_clauses(part, label_of, literal))
        return [(None, _sentence(parts, f"expression.{kind}"))]
    subject = node.args[0]
    if kind == "otherwise":
        return [(None, text("expression.answered_otherwise", subject=_name(subject, label_of),
                            values=_value(node.args[1], subject, literal)))]
    operator, right = node.value, node.args[1]
    if subject.kind in ("ref", "self") and operator in ("=", "!="):
        name = _name(subject, label_of)
        if right == _EMPTY:
            return [(None, text("expression.unanswered" if operator == "=" else "expression.answered", subject=name))]
        if right.kind in (*_LITERALS, "values"):
            return [(None, text("expression.answered_with" if operator == "=" else "expression.not_answered_with",
                                subject=name, value=_value(right, subject, literal)))]
    if right == _EMPTY and operator in ("=", "!="):
        return [(None, text("expression.empty" if operator == "=" else "expression.not_empty",
                            operand=_noun(subject, right, label_of, literal)))]
    if subject.kind == "length" and right.kind == "number":
        return [(_noun(subject.args[0], right, label_of, literal),
                 text(_LENGTH_PREDICATES[operator], count=_value(right, subject, literal)))]
    key = _PREDICATES_NO_NUMBER.get(operator) if right.kind != "number" else None
    return [(_noun(subject, right, label_of, literal),
             text(key or _PREDICATES[operator], value=_noun(right, subject, label_of, literal)))]


def _name(node: Node, label_of) -> str:
    """How the sentence names a question: ``Frage 6``, or ``diese Frage`` for ``.``."""
    return label_of(node.value) if node.kind == "ref" else text("expression.this_question")


def _value(node: Node, compared: Node, literal) -> str:
    """A compared value as a person reads it: a choice's label in quotes, ``2,5``, „a“ oder „b“."""
    if node.kind == "values":
        return _listed([_value(value, compared, literal) for value in node.args], "expression.or")
    if node.kind == "number":
        return f"{node.value:g}".replace(".", ",")
    return text("expression.quoted", value=literal(compared.value if compared.kind == "ref" else None, node.value))


def _noun(node: Node, other: Node, label_of, literal) -> str:
    """``node`` as the subject or object of a comparison with ``other``: ``die Antwort auf Frage 6``."""
    if node.kind in ("ref", "self"):
        return text("expression.answer_of", subject=_name(node, label_of))
    if node.kind == "length" and node.args[0].kind in ("ref", "self"):
        return text("expression.length_of_answer", subject=_name(node.args[0], label_of))
    if node.kind == "length":
        return text("expression.length_of", operand=_noun(node.args[0], other, label_of, literal))
    if node.kind == "count":
        return text("expression.count_of_answer", subject=_name(node.args[0], label_of))
    return _value(node, other, literal)


def evaluate_with(answers: Mapping[str, object], own: object = None) -> Callable[[str | None], object]:
    """A ``value_of`` for :meth:`Expression.evaluate` over a mapping of answers."""
    return lambda name: own if name is None else answers.get(name)
