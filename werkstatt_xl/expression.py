"""The XLSForm expressions of ``relevant``, ``constraint``, ``calculation`` and ``choice_filter``.

Supported: ``${name}``, ``.`` (the answer itself), bare names (a choice's column, in ``choice_filter``),
'strings', numbers, ``= != < <= > >=``, ``and``, ``or``, ``+ - * div mod``, parentheses and the
functions of :data:`FUNCTIONS` (``not``, ``selected``, ``string-length``, ``if``, ``concat``, ``regex``,
``today``, ``int``, ``round``, ...). An expression is parsed once into a tree that can be evaluated
against answers, written as an Excel formula and described in German words. A function outside the
subset raises :class:`UnsupportedExpression`, a syntax error :class:`ExpressionError`. A
select_multiple's answer is, as in XLSForm, its chosen names separated by spaces.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Mapping

import regex

from .anchors import answer_key
from .messages import text

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<name>[^\W\d][\w.-]*)\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>\d+(?:\.\d+)?|\.\d+)
      | (?P<op>!=|<=|>=|=|<|>|\+|-|\*)
      | (?P<word>and|or|div|mod)(?![\w.:-])
      | (?P<func>[^\W\d][\w.:-]*)\s*\(
      | (?P<column>[^\W\d][\w.-]*(?:::?[^\W\d][\w.-]*)*)
      | (?P<punct>[(),])
      | (?P<self>\.(?!\.))
    )""",
    re.VERBOSE,
)

_EXCEL_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARITHMETIC = {"+": "+", "-": "-", "*": "*", "div": "/", "mod": "mod"}
_EPOCH = dt.date(1970, 1, 1)


class ExpressionError(ValueError):
    """An expression that cannot be read."""

    unsupported = False


class TooDeepExpression(ExpressionError):
    """An expression nested deeper than :data:`MAX_DEPTH`."""


class UnsupportedExpression(ExpressionError):
    """A well-formed expression outside the supported subset (a function a workbook cannot compute)."""

    unsupported = True


@dataclass(frozen=True)
class Node:
    """One node of a parsed expression: ``kind`` with its ``value`` and ``args``."""

    kind: str  # ref, self, column, string, number, compare, and, or, not, selected, count, length, arithmetic,
    # negate, call
    value: object = None
    args: tuple["Node", ...] = ()


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the text it came from."""

    text: str
    tree: Node

    @cached_property
    def references(self) -> frozenset[str]:
        """Names of the questions the expression reads (found once: merge asks for every return)."""
        return frozenset(_collect(self.tree, "ref"))

    @cached_property
    def reads_clock(self) -> bool:
        """True when the expression calls ``today()`` or ``now()``: its value changes with the time."""
        return not _collect(self.tree, "call").isdisjoint(("today", "now"))

    @property
    def columns(self) -> set[str]:
        """Bare names: the columns of a choice that a ``choice_filter`` reads."""
        return _collect(self.tree, "column")

    @property
    def reads_own_answer(self) -> bool:
        """True when the expression uses ``.``, the answer of the question it belongs to."""
        return _uses_self(self.tree)

    def evaluate(self, value_of: Callable[[str | None], object], column_of: Callable[[str], object] | None = None
                 ) -> bool:
        """Evaluate with ``value_of(name)`` (``None`` for ``.``) giving comparable values and ``column_of(name)``
        a choice's column, as a truth value (false where it has none)."""
        return _truth(_evaluated(self.tree, _Scope(value_of, column_of)))

    def value(self, value_of: Callable[[str | None], object]) -> object:
        """The expression's value (a ``calculation``): text, a number, a date, a truth value; "" for none."""
        result = _evaluated(self.tree, _Scope(value_of, None))
        return "" if isinstance(result, float) and not math.isfinite(result) else result

    def to_excel(self, cell_of: Callable[[str | None], str], literal: Callable[[str | None, str], str]) -> str:
        """An Excel formula (without ``=``); ``literal(name, text)`` maps a compared string. Raises
        :class:`UnsupportedExpression` for what Excel cannot compute (``regex``)."""
        return _excel(self.tree, cell_of, literal)

    def describe(self, label_of: Callable[[str], str], literal: Callable[[str | None, str], str]) -> str:
        """A German clause for a person to read after "wenn", e.g. ``Frage 1 mit „Nein“ beantwortet ist``;
        ``label_of(name)`` names a question (``Frage 1``), ``literal(name, text)`` maps a compared string."""
        return _describe(self.tree, label_of, literal)


MAX_DEPTH = 200
"""The deepest expression read (terms in a row, parentheses in parentheses): deeper ones are refused, so
writing, describing and evaluating it stays within Python's recursion limit."""


def parse_expression(source: str) -> Expression:
    """Parse ``source`` or raise :class:`ExpressionError` saying what is wrong."""
    tokens = _tokenize(source)
    parser = _Parser(tokens, source)
    try:
        tree = parser.parse_or()
    except RecursionError:
        tree = None
    if tree is None or _depth(tree) > MAX_DEPTH:
        raise TooDeepExpression(text("expression.too_deep", most=MAX_DEPTH, expression=_start(source)))
    if parser.position != len(tokens):
        raise ExpressionError(text("expression.unexpected", token=tokens[parser.position][1], expression=source))
    return Expression(source, tree)


def _depth(tree: Node) -> int:
    """How deep ``tree`` nests, counted without recursion."""
    deepest, pending = 0, [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((arg, depth + 1) for arg in node.args)
    return deepest


def _start(source: str) -> str:
    """The start of a long expression, for a message."""
    return source if len(source) <= 80 else source[:79] + "…"


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    source = source.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    while position < len(source.rstrip()):
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            rest = source[position:].strip()
            error = UnsupportedExpression if rest[:1] in ("/", "|", "[", ".", "@") else ExpressionError
            raise error(text("expression.unreadable", rest=rest, expression=source))
        if match.group("ref"):
            tokens.append(("ref", match.group("name")))
        else:
            tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


@dataclass(frozen=True)
class _Function:
    least: int
    most: int
    compute: Callable
    excel: Callable[[list[str]], str] | None
    """The Excel formula from the arguments' formulas; None where Excel cannot compute it."""


def _text(value: object) -> str:
    """A value as XPath's string(): integral numbers without a fraction, dates ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if not math.isfinite(value) else str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return " ".join(map(_text, value))
    return "" if value is None else str(value)


def _number(value: object) -> float:
    """A value as XPath's number(): NaN for what is no number; dates count days since 1970-01-01."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1970, 1, 1, tzinfo=value.tzinfo)).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float((value - _EPOCH).days)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    try:
        return float(str(value).strip())
    except ValueError:
        date = _iso_date(str(value))
        return float((date - _EPOCH).days) if date else math.nan


def _iso_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _truth(value: object) -> bool:
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, (list, tuple)):
        return bool(value)
    return bool(value) if not isinstance(value, str) else value != ""


def _whole(value: object) -> int | None:
    """A value as a whole number (truncated), None where it is none (NaN, infinite)."""
    number = _number(value)
    return int(number) if math.isfinite(number) else None


def _round(value: object, digits: object = 0.0) -> float:
    number, places = _number(value), _whole(digits)
    if not math.isfinite(number) or places is None:
        return math.nan
    try:
        return math.copysign(math.floor(abs(number) * 10 ** places + 0.5) / 10 ** places, number)
    except (OverflowError, ZeroDivisionError):
        return number if places > 0 else math.nan  # so many places that nothing is rounded; or none left


def _rounded(rounding: Callable[[float], int]) -> Callable[[object], float]:
    """XPath's int(), floor() or ceiling(): a value as a number, rounded by ``rounding``; NaN where it is none."""
    def rounded(value: object) -> float:
        number = _number(value)
        return float(rounding(number)) if math.isfinite(number) else math.nan
    return rounded


def _power(base: object, exponent: object) -> float:
    """XPath's pow(): NaN where the result is no real number (0 to a negative power, too large, complex)."""
    try:
        result = math.pow(_number(base), _number(exponent))
    except (OverflowError, ValueError, ZeroDivisionError):
        return math.nan
    return result if math.isfinite(result) else math.nan


def _selected(value: object, choice: object) -> bool:
    if isinstance(value, (list, tuple)):
        return _text(choice) in map(_text, value)
    answer, choice = _text(value), _text(choice)
    return answer == choice or choice in answer.split()


def _count_selected(value: object) -> float:
    return float(len(value) if isinstance(value, (list, tuple)) else len(_text(value).split()))


def _substr(value: object, start: object, end: object = None) -> str:
    whole, first, last = _text(value), _whole(start), None if end is None else _whole(end)
    if first is None or (end is not None and last is None):
        return ""
    return whole[first:last]


_REGEX_SECONDS = 1.0
"""The longest one regex() may take on one answer: a longer search counts as no match."""


def regex_pattern(pattern: str) -> regex.Pattern:
    """The compiled pattern of ``regex()``, read as ODK (Java) reads it (``\\p{L}``); raises regex.error."""
    return _compiled(pattern)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> regex.Pattern:
    return regex.compile(pattern, regex.VERSION1)


def _regex(value: object, pattern: object) -> bool:
    try:
        return _compiled(_text(pattern)).search(_text(value), timeout=_REGEX_SECONDS) is not None
    except (regex.error, TimeoutError):
        return False  # a pattern computed from answers that is none, or too slow on this answer: no match


def _joined(args: list[str]) -> str:
    return "(" + "&".join(args) + ")" if args else '""'


FUNCTIONS: dict[str, _Function] = {
    "not": _Function(1, 1, lambda a: not _truth(a), lambda a: f"NOT({a[0]})"),
    "string-length": _Function(1, 1, lambda a: float(len(_text(a))), lambda a: f"LEN({a[0]})"),
    "if": _Function(3, 3, None, lambda a: f"IF({a[0]},{a[1]},{a[2]})"),
    "concat": _Function(0, 99, lambda *a: "".join(map(_text, a)), _joined),
    "regex": _Function(2, 2, _regex, None),
    "today": _Function(0, 0, lambda: dt.date.today(), lambda a: "TODAY()"),
    "now": _Function(0, 0, lambda: dt.datetime.now().replace(microsecond=0), lambda a: "NOW()"),
    "int": _Function(1, 1, _rounded(math.trunc), lambda a: f"TRUNC({a[0]})"),
    "round": _Function(1, 2, _round, lambda a: f"ROUND({a[0]},{a[1] if len(a) > 1 else 0})"),
    "number": _Function(1, 1, _number, lambda a: f"VALUE({a[0]}&\"\")"),
    "string": _Function(1, 1, _text, lambda a: f"({a[0]}&\"\")"),
    "coalesce": _Function(2, 2, lambda a, b: a if _text(a) != "" else b, lambda a: f"IF({a[0]}=\"\",{a[1]},{a[0]})"),
    "contains": _Function(2, 2, lambda a, b: _text(b) in _text(a), lambda a: f"ISNUMBER(FIND({a[1]},{a[0]}))"),
    "starts-with": _Function(2, 2, lambda a, b: _text(a).startswith(_text(b)),
                             lambda a: f"(LEFT({a[0]},LEN({a[1]}))={a[1]})"),
    "ends-with": _Function(2, 2, lambda a, b: _text(a).endswith(_text(b)),
                           lambda a: f"(RIGHT({a[0]},LEN({a[1]}))={a[1]})"),
    "substr": _Function(2, 3, _substr, lambda a: f"MID({a[0]},{a[1]}+1,{a[2] + '-' + a[1] if len(a) > 2 else 32767})"),
    "floor": _Function(1, 1, _rounded(math.floor), lambda a: f"INT({a[0]})"),
    "ceiling": _Function(1, 1, _rounded(math.ceil), lambda a: f"-INT(-{a[0]})"),
    "abs": _Function(1, 1, lambda a: abs(_number(a)), lambda a: f"ABS({a[0]})"),
    "min": _Function(1, 99, lambda *a: min(map(_number, a)), lambda a: f"MIN({','.join(a)})"),
    "max": _Function(1, 99, lambda *a: max(map(_number, a)), lambda a: f"MAX({','.join(a)})"),
    "pow": _Function(2, 2, _power, lambda a: f"POWER({a[0]},{a[1]})"),
    "true": _Function(0, 0, lambda: True, lambda a: "TRUE"),
    "false": _Function(0, 0, lambda: False, lambda a: "FALSE"),
    "boolean": _Function(1, 1, _truth, lambda a: f"AND({a[0]}<>\"\",{a[0]}<>0)"),
    "count-selected": _Function(1, 1, _count_selected, None),
    "selected": _Function(2, 2, _selected, None),
}
"""The functions an expression may call: how many arguments, the value, the Excel formula."""


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
        node = self.parse_sum()
        token = self.peek()
        if token and token[0] == "op" and token[1] in _EXCEL_OPS:
            self.position += 1
            node = Node("compare", token[1], (node, self.parse_sum()))
        return node

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while self.peek() in (("op", "+"), ("op", "-")):
            operator = self.tokens[self.position][1]
            self.position += 1
            node = Node("arithmetic", operator, (node, self.parse_product()))
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while self.peek() in (("op", "*"), ("word", "div"), ("word", "mod")):
            operator = self.tokens[self.position][1]
            self.position += 1
            node = Node("arithmetic", operator, (node, self.parse_unary()))
        return node

    def parse_unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.position += 1
            return Node("negate", args=(self.parse_unary(),))
        return self.parse_atom()

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
        if kind == "column":
            return Node("column", value)
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
        args: list[Node] = []
        if self.peek() != ("punct", ")"):
            args.append(self.parse_or())
            while self.peek() == ("punct", ","):
                self.position += 1
                args.append(self.parse_or())
        self.take("punct", ")")
        known = FUNCTIONS.get(function)
        if known is None:
            raise UnsupportedExpression(text("expression.unknown_function", function=function,
                                             expression=self.source))
        if not known.least <= len(args) <= known.most:
            raise ExpressionError(text("expression.arguments", function=function, expression=self.source))
        if function == "selected":
            if args[0].kind not in ("ref", "self") or args[1].kind != "string":
                raise ExpressionError(text("expression.selected_arguments", expression=self.source))
            return Node("selected", args=tuple(args))
        if function == "count-selected":
            if args[0].kind not in ("ref", "self"):
                raise ExpressionError(text("expression.count_selected_argument", expression=self.source))
            return Node("count", args=tuple(args))
        if function == "regex" and args[1].kind == "string":
            try:
                regex_pattern(args[1].value)
            except regex.error as error:
                raise ExpressionError(text("expression.bad_pattern", pattern=args[1].value, error=error,
                                           expression=self.source)) from None
        if function in ("not", "string-length"):
            return Node("not" if function == "not" else "length", args=tuple(args))
        return Node("call", function, tuple(args))


def _collect(node: Node, kind: str) -> set[str]:
    found = {node.value} if node.kind == kind else set()
    for arg in node.args:
        found |= _collect(arg, kind)
    return found


def _uses_self(node: Node) -> bool:
    return node.kind == "self" or any(_uses_self(arg) for arg in node.args)


@dataclass(frozen=True)
class _Scope:
    value_of: Callable[[str | None], object]
    column_of: Callable[[str], object] | None


def _evaluated(node: Node, scope: _Scope) -> object:
    """The value of ``node``; no value (NaN) where computing it fails on these answers (a date out of range,
    a number too large), so no answer can stop a merge."""
    try:
        return _evaluate(node, scope)
    except (ArithmeticError, ValueError, TypeError, regex.error):
        return math.nan


def _evaluate(node: Node, scope: _Scope) -> object:
    kind = node.kind
    if kind in ("ref", "self"):
        value = scope.value_of(node.value if kind == "ref" else None)
        return "" if value is None else value
    if kind == "column":
        return "" if scope.column_of is None else scope.column_of(node.value)
    if kind in ("string", "number"):
        return node.value
    if kind == "and":
        return all(_truth(_evaluate(arg, scope)) for arg in node.args)
    if kind == "or":
        return any(_truth(_evaluate(arg, scope)) for arg in node.args)
    if kind == "not":
        return not _truth(_evaluate(node.args[0], scope))
    if kind == "length":
        return float(len(_text(_evaluate(node.args[0], scope))))
    if kind == "selected":
        return _selected(*(_evaluate(arg, scope) for arg in node.args))
    if kind == "count":
        return _count_selected(_evaluate(node.args[0], scope))
    if kind == "negate":
        return -_number(_evaluate(node.args[0], scope))
    if kind == "call" and node.value == "if":
        condition, then, otherwise = node.args
        return _evaluate(then if _truth(_evaluate(condition, scope)) else otherwise, scope)
    values = [_evaluate(arg, scope) for arg in node.args]
    if kind == "call":
        return FUNCTIONS[node.value].compute(*values)
    if kind == "arithmetic":
        return _arithmetic(node.value, *values)
    return _compare(node.value, *values)


def _arithmetic(operator: str, left: object, right: object) -> object:
    """XPath arithmetic; a date plus days is a date again, as in a form that computes a deadline."""
    a, b = _number(left), _number(right)
    if operator == "+":
        result = a + b
    elif operator == "-":
        result = a - b
    elif operator == "*":
        result = a * b
    elif operator == "div":
        result = a / b if b else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a))
    else:
        result = math.fmod(a, b) if b and math.isfinite(a) else math.nan
    if operator in "+-" and isinstance(left, dt.date) and not isinstance(left, dt.datetime) and \
            not isinstance(right, dt.date) and math.isfinite(result):
        return _EPOCH + dt.timedelta(days=math.floor(result))
    return result


def _compare(operator: str, left: object, right: object) -> bool:
    """XPath-like comparison: numbers when either side is a number, a truth value or a date, else text."""
    if isinstance(left, bool) or isinstance(right, bool):
        left, right = _truth(left), _truth(right)
    elif any(isinstance(side, (int, float, dt.date, dt.time)) for side in (left, right)):
        left, right = _number(left), _number(right)
        if math.isnan(left) or math.isnan(right):
            return operator == "!="
    else:
        left, right = _text(left), _text(right)
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
        return excel_text(node.value)
    if kind in ("and", "or"):
        return f"{kind.upper()}({','.join(_excel(arg, cell_of, literal) for arg in node.args)})"
    if kind == "not":
        return f"NOT({_excel(node.args[0], cell_of, literal)})"
    if kind == "length":
        return f"LEN({_excel(node.args[0], cell_of, literal)})"
    if kind == "negate":
        return f"(-{_excel(node.args[0], cell_of, literal)})"
    if kind == "arithmetic":
        left, right = (_excel(arg, cell_of, literal) for arg in node.args)
        if node.value == "mod":
            return f"MOD({left},{right})"
        return f"({left}{_ARITHMETIC[node.value]}{right})"
    if kind == "call":
        excel = FUNCTIONS[node.value].excel
        if excel is None:
            raise UnsupportedExpression(text("expression.not_in_excel", function=node.value))
        return excel([_excel(arg, cell_of, literal) for arg in node.args])
    if kind == "column":
        raise UnsupportedExpression(text("expression.not_in_excel", function=node.value))
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
        excel_text(literal(name, arg.value)) if arg.kind == "string" else _excel(arg, cell_of, literal)
        for arg in node.args
    )
    return f"{left}{_EXCEL_OPS.get(node.value, '=')}{right}"


EXCEL_TEXT = 255
"""The most characters of one string literal in an Excel formula."""


def excel_literals(words: str) -> list[str]:
    """``words`` as Excel string literals of at most :data:`EXCEL_TEXT` characters each (at least one)."""
    return ['"' + words[start:start + EXCEL_TEXT].replace('"', '""') + '"'
            for start in range(0, len(words), EXCEL_TEXT)] or ['""']


def excel_text(words: str) -> str:
    """``words`` as an Excel text: one string literal, or longer ones joined by ``&``."""
    literals = excel_literals(words)
    return literals[0] if len(literals) == 1 else "(" + "&".join(literals) + ")"


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
    if kind == "selected":  # selected(${a}, 'x') reads as "a is answered with x"
        return _normal(Node("compare", "=", node.args), negated)
    if kind == "not":
        return _normal(node.args[0], not negated)
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
    if subject.kind == "call" and subject.value == "regex" and right == _EMPTY and operator in ("=", "!="):
        return [(None, text("expression.matches" if operator == "!=" else "expression.not_matches",
                            operand=_noun(subject.args[0], right, label_of, literal),
                            pattern=text("expression.quoted", value=_text(subject.args[1].value))))]
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
        if node.args[0].kind == "self":
            return text("expression.count_of_own_answer")
        return text("expression.count_of_answer", subject=_name(node.args[0], label_of))
    if node.kind in _LITERALS:
        return _value(node, other, literal)
    return _formula(node, label_of, literal)


_SYMBOLS = {"+": "+", "-": "−", "*": "×", "div": "÷", "mod": "mod"}


def _formula(node: Node, label_of, literal) -> str:
    """A computed value as a person reads it: ``(die Antwort auf Frage 2 + 1)``, ``heute``."""
    kind = node.kind
    if kind in ("ref", "self"):
        return text("expression.answer_of", subject=_name(node, label_of))
    if kind == "number":
        return f"{node.value:g}".replace(".", ",")
    if kind == "string":
        return text("expression.quoted", value=node.value)
    if kind == "column":
        return text("expression.column", name=node.value)
    if kind == "negate":
        return "−" + _formula(node.args[0], label_of, literal)
    if kind == "arithmetic":
        left, right = (_formula(arg, label_of, literal) for arg in node.args)
        return f"({left} {_SYMBOLS[node.value]} {right})"
    if kind == "call" and node.value in ("today", "now"):
        return text(f"expression.{node.value}")
    if kind == "call":
        return f"{node.value}({', '.join(_formula(arg, label_of, literal) for arg in node.args)})"
    return _describe(node, label_of, literal)


def evaluate_with(answers: Mapping[str, object], own: object = None) -> Callable[[str | None], object]:
    """A ``value_of`` for :meth:`Expression.evaluate` over a mapping of answers."""
    return lambda name: own if name is None else answers.get(name)
