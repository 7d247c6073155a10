"""The expression subset of ``relevant`` and ``constraint``: parse, evaluate, Excel, German."""

import pytest

from werkstatt_xl.expression import (
    ExpressionError,
    Node,
    evaluate_with,
    parse_expression,
)

CELLS = {"a": "$C$5", "b": "$C$6", None: "$C$9"}
NUMBERS = {"a": "1", "b": "2", None: "diese Antwort"}
LABELS = {"ja": "Ja", "nein": "Nein", "trifft_zu": "Trifft zu"}


def to_excel(text: str) -> str:
    return parse_expression(text).to_excel(CELLS.__getitem__, lambda name, literal: LABELS.get(literal, literal))


def describe(text: str) -> str:
    return parse_expression(text).describe(NUMBERS.__getitem__, lambda name, literal: LABELS.get(literal, literal))


def evaluate(text: str, own=None, **answers) -> bool:
    return parse_expression(text).evaluate(evaluate_with(answers, own))


def test_parse_builds_the_tree_with_precedence_and_references():
    expression = parse_expression("${a} = 'ja' or not(${b} >= 2.5) and string-length(.) < 4")

    ref_a, ref_b = Node("ref", "a"), Node("ref", "b")
    assert expression.tree == Node("or", args=(
        Node("compare", "=", (ref_a, Node("string", "ja"))),
        Node("and", args=(
            Node("not", args=(Node("compare", ">=", (ref_b, Node("number", 2.5))),)),
            Node("compare", "<", (Node("length", args=(Node("self"),)), Node("number", 4.0))),
        )),
    ))
    assert expression.references == {"a", "b"}
    assert expression.text == "${a} = 'ja' or not(${b} >= 2.5) and string-length(.) < 4"


def test_selected_is_a_comparison_with_the_choice():
    assert parse_expression("selected(${a}, 'ja')").tree == parse_expression("${a} = 'ja'").tree


def test_double_quoted_strings_and_names_with_dots_and_dashes():
    expression = parse_expression('${teil.a-1} != "it\'s"')
    assert expression.tree == Node("compare", "!=", (Node("ref", "teil.a-1"), Node("string", "it's")))


@pytest.mark.parametrize("text, answers, own, expected", [
    ("${a} = 'nein'", {"a": "nein"}, None, True),
    ("${a} = 'nein'", {"a": "ja"}, None, False),
    ("${a} = 'nein'", {}, None, False),
    ("${a} != 'trifft_zu'", {}, None, True),  # an unanswered question is the empty string
    ("${a} != 'trifft_zu'", {"a": "trifft_zu"}, None, False),
    ("${a} > 2", {"a": 3}, None, True),
    ("${a} > 2", {"a": "10"}, None, True),  # compared as numbers, not as text
    ("${a} <= 2", {"a": "abc"}, None, False),  # not a number: only != holds
    ("${a} != 2", {"a": "abc"}, None, True),
    ("${a} = 'x' and ${b} = 'y'", {"a": "x", "b": "y"}, None, True),
    ("${a} = 'x' and ${b} = 'y'", {"a": "x", "b": "z"}, None, False),
    ("${a} = 'x' or ${b} = 'y'", {"a": "q", "b": "y"}, None, True),
    ("not(${a} = 'x')", {"a": "x"}, None, False),
    ("string-length(.) <= 3", {}, "abcd", False),
    ("string-length(.) <= 3", {}, "abc", True),
    (". >= 1 and . <= 5", {}, 6, False),
    ("(${a} = 'x' or ${a} = 'y') and ${b} = 'z'", {"a": "y", "b": "z"}, None, True),
])
def test_evaluate(text, answers, own, expected):
    assert evaluate(text, own, **answers) is expected


def test_to_excel_maps_operators_functions_and_choice_labels():
    assert to_excel("${a} = 'nein'") == '$C$5="Nein"'
    assert to_excel("${a} != 'trifft_zu'") == '$C$5<>"Trifft zu"'
    assert to_excel("${a} = 'ja' or not(${b} >= 2.5) and string-length(.) < 4") == \
        'OR($C$5="Ja",AND(NOT($C$6>=2.5),LEN($C$9)<4))'
    assert to_excel("${a} = 'say \"hi\"'") == '$C$5="say ""hi"""'
    assert to_excel("'x' = ${b}") == '"x"=$C$6'


def test_describe_in_german_words():
    assert describe("${a} = 'nein'") == "1 = „Nein“"
    assert describe("${a} != 'trifft_zu'") == "1 nicht „Trifft zu“"
    assert describe("${a} != '' and ${a} != 'trifft_zu'") == "1 beantwortet und 1 nicht „Trifft zu“"
    assert describe("${a} = ''") == "1 unbeantwortet"
    assert describe("${b} >= 2.5 and ${b} <= 4") == "2 ≥ 2,5 und 2 ≤ 4"
    assert describe("not(${a} = 'ja') or string-length(.) > 0") == "nicht (1 = „Ja“) oder Länge von diese Antwort > 0"


def test_describe_keeps_the_grouping_of_or_inside_and():
    assert describe("(${a} = 'ja' or ${a} = 'nein') and ${b} = 'x'") == "(1 = „Ja“ oder 1 = „Nein“) und 2 = „x“"


@pytest.mark.parametrize("text, message", [
    ("", "'' ends too early"),
    ("   ", "'   ' ends too early"),
    ("${a} = 'x' and", "\"${a} = 'x' and\" ends too early"),
    ("${a} = = 'x'", "unexpected '=' in \"${a} = = 'x'\""),
    ("${a} = 'x')", "unexpected ')' in \"${a} = 'x')\""),
    ("(${a} = 'x'", "expected ) but found the end in \"(${a} = 'x'\""),
    ("foo(${a})", "cannot read 'foo(${a})' in 'foo(${a})'"),
    ("${a", "cannot read '${a' in '${a'"),
    ("${a} = -1", "cannot read '-1' in '${a} = -1'"),
    ("not ${a}", "cannot read 'not ${a}' in 'not ${a}'"),
    ("selected(${a}, ${b})", "selected() takes ${name} and a 'choice' in 'selected(${a}, ${b})'"),
    ("selected(${a} 'x')", "expected , but found \"'x'\" in \"selected(${a} 'x')\""),
])
def test_errors_say_what_is_wrong(text, message):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert str(caught.value) == message
