"""The expression subset of ``relevant`` and ``constraint``: parse, evaluate, Excel, German."""

import pytest

from werkstatt_xl.expression import ExpressionError, Node, evaluate_with, parse_expression

CELLS = {"a": "$C$5", "b": "$C$6", None: "$C$9"}
NAMES = {"a": "Frage 1", "b": "Frage 2"}
LABELS = {"ja": "Ja", "nein": "Nein", "trifft_zu": "Trifft zu"}


def to_excel(text: str) -> str:
    return parse_expression(text).to_excel(CELLS.__getitem__, lambda name, literal: LABELS.get(literal, literal))


def describe(text: str) -> str:
    return parse_expression(text).describe(NAMES.__getitem__, lambda name, literal: LABELS.get(literal, literal))


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


def test_selected_holds_for_a_select_one_answer_and_for_a_choice_among_several():
    selected = parse_expression("selected(${a}, 'ja')")
    assert selected.tree == Node("selected", args=(Node("ref", "a"), Node("string", "ja")))
    assert [selected.evaluate(evaluate_with({"a": answer})) for answer in ("ja", "nein", "vielleicht ja", "")] == [
        True, False, True, False]
    assert selected.describe(lambda name: "Frage 1", lambda name, value: value.title()) == (
        parse_expression("${a} = 'ja'").describe(lambda name: "Frage 1", lambda name, value: value.title()))


def test_count_selected_counts_the_choices_of_a_select_multiple():
    expression = parse_expression("count-selected(${a}) >= 2")
    assert [expression.evaluate(evaluate_with({"a": answer})) for answer in ("rad bus", "rad", None)] == [
        True, False, False]
    assert expression.describe(lambda name: "Frage 3", lambda name, value: value) == (
        "die Zahl der angekreuzten Antworten bei Frage 3 mindestens 2 ist")


def test_a_select_multiple_in_excel_reads_the_cell_of_the_choice_and_counts_the_ticks():
    cells = {"a": "$C$3:$C$5", "a#rad": "$C$3", "b": "$C$9"}
    expression = parse_expression("selected(${a}, 'rad') and count-selected(${a}) < 3 and selected(${b}, 'ja')")
    assert expression.to_excel(cells.get, lambda name, value: value.title()) == (
        'AND(AND($C$3<>"",COUNTA($C$3:$C$5)<3),$C$9="Ja")')


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


@pytest.mark.parametrize("text, words", [
    # the skip notes of the shipped questionnaire
    ("${a} = 'nein'", "Frage 1 mit „Nein“ beantwortet ist"),
    ("${a} != '' and ${a} != 'trifft_zu'", "Frage 1 mit einer anderen Antwort als „Trifft zu“ beantwortet ist"),
    # answered or not, also as string-length and as a bare reference
    ("${a} != ''", "Frage 1 beantwortet ist"),
    ("${a} = ''", "Frage 1 nicht beantwortet ist"),
    ("string-length(${a}) > 0", "Frage 1 beantwortet ist"),
    ("${a}", "Frage 1 beantwortet ist"),
    ("not(${a})", "Frage 1 nicht beantwortet ist"),
    # one question compared with values: named once
    ("${a} != 'trifft_zu'", "Frage 1 nicht mit „Trifft zu“ beantwortet ist"),
    ("selected(${a}, 'ja')", "Frage 1 mit „Ja“ beantwortet ist"),
    ("${a} = 'ja' or ${a} = 'nein'", "Frage 1 mit „Ja“ oder „Nein“ beantwortet ist"),
    ("${a} != 'ja' and ${a} != 'nein'", "Frage 1 nicht mit „Ja“ oder „Nein“ beantwortet ist"),
    ("${a} != '' and ${a} != 'ja' and ${a} != 'nein'",
     "Frage 1 mit einer anderen Antwort als „Ja“ oder „Nein“ beantwortet ist"),
    # numbers, the value read from the question's side, and ranges said once
    ("${b} = 3", "Frage 2 mit 3 beantwortet ist"),
    ("${b} > 2.5", "die Antwort auf Frage 2 größer als 2,5 ist"),
    ("5 <= ${b}", "die Antwort auf Frage 2 mindestens 5 ist"),
    ("${b} >= 2.5 and ${b} <= 4", "die Antwort auf Frage 2 mindestens 2,5 und höchstens 4 ist"),
    ("${b} < 1 or ${b} > 9", "die Antwort auf Frage 2 kleiner als 1 oder größer als 9 ist"),
    # lengths
    ("string-length(${b}) >= 10", "die Antwort auf Frage 2 mindestens 10 Zeichen lang ist"),
    ("string-length(${b}) < 3", "die Antwort auf Frage 2 kürzer als 3 Zeichen ist"),
    ("string-length(.) = 5", "die Antwort auf diese Frage genau 5 Zeichen lang ist"),
    # two answers compared
    ("${a} = ${b}", "die Antwort auf Frage 1 gleich die Antwort auf Frage 2 ist"),
    ("${a} <= ${b}", "die Antwort auf Frage 1 nicht größer als die Antwort auf Frage 2 ist"),
    ("${a} > string-length(${b})", "die Antwort auf Frage 1 größer als die Länge der Antwort auf Frage 2 ist"),
    # not() is said in the comparison; and/or list their parts, grouped where they mix
    ("not(${a} = 'ja' and ${b} > 3)", "Frage 1 nicht mit „Ja“ beantwortet ist oder die Antwort auf Frage 2 höchstens 3 ist"),
    ("not(not(${a} = 'ja'))", "Frage 1 mit „Ja“ beantwortet ist"),
    ("${a} = 'ja' and ${b} = 1 and ${b} != ''", "Frage 1 mit „Ja“ beantwortet ist und Frage 2 mit 1 beantwortet ist"),
    ("${a} = 'ja' and (${b} = 1 or . = '')",
     "Frage 1 mit „Ja“ beantwortet ist und (Frage 2 mit 1 beantwortet ist oder diese Frage nicht beantwortet ist)"),
    # constants, though no form needs them
    ("'x'", "„x“ nicht leer ist"),
    ("2", "2 ungleich 0 ist"),
])
def test_describe_says_each_kind_of_expression_as_a_clause_after_wenn(text, words):
    assert describe(text) == words


def test_describe_keeps_the_grouping_of_or_inside_and():
    assert describe("(${a} = 'ja' or ${b} = 'x') and ${b} != 'y'") == \
        "(Frage 1 mit „Ja“ beantwortet ist oder Frage 2 mit „x“ beantwortet ist) und Frage 2 nicht mit „y“ beantwortet ist"
    assert describe("(${a} = 'ja' or ${a} = 'nein') and ${b} = 'x'") == \
        "Frage 1 mit „Ja“ oder „Nein“ beantwortet ist und Frage 2 mit „x“ beantwortet ist"


@pytest.mark.parametrize("text, message", [
    ("", "'' ends too early"),
    ("   ", "'   ' ends too early"),
    ("${a} = 'x' and", "\"${a} = 'x' and\" ends too early"),
    ("${a} = = 'x'", "unexpected '=' in \"${a} = = 'x'\""),
    ("${a} = 'x')", "unexpected ')' in \"${a} = 'x')\""),
    ("(${a} = 'x'", "expected ) but found the end in \"(${a} = 'x'\""),
    ("foo(${a})", "foo() is not supported, in 'foo(${a})'"),
    ("${a", "cannot read '${a' in '${a'"),
    ("not ${a}", "unexpected 'a' in 'not ${a}'"),
    ("selected(${a}, ${b})", "selected() takes ${name} and a 'choice' in 'selected(${a}, ${b})'"),
    ("selected(${a} 'x')", "expected ) but found \"'x'\" in \"selected(${a} 'x')\""),
])
def test_errors_say_what_is_wrong(text, message):
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    assert str(caught.value) == message
