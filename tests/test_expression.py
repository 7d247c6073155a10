"""The expression subset of ``relevant`` and ``constraint``: parse, evaluate, Excel, German."""

import datetime as dt

import pytest

from werkstatt_xl.expression import ExpressionError, Node, UnsupportedExpression, evaluate_with, parse_expression

CELLS = {"a": "$C$5", "b": "$C$6", None: "$C$9"}
NAMES = {"a": "Frage 1", "b": "Frage 2"}
LABELS = {"ja": "Ja", "nein": "Nein", "trifft_zu": "Trifft zu"}


def to_excel(text: str) -> str:
    return parse_expression(text).to_excel(CELLS.__getitem__, lambda name, literal: LABELS.get(literal, literal))


def describe(text: str) -> str:
    return parse_expression(text).describe(NAMES.__getitem__, lambda name, literal: LABELS.get(literal, literal))


def evaluate(text: str, own=None, **answers) -> bool:
    return parse_expression(text).evaluate(evaluate_with(answers, own))


@pytest.mark.parametrize(("text", "reads_clock"), [
    ("${a} = 'ja'", False), (". <= today()", True), ("if(${a} = '', now(), ${b})", True), ("concat(${a}, 'x')", False),
])
def test_an_expression_says_whether_it_reads_the_clock(text, reads_clock):
    """Merge remembers the outcome of a condition for the answers it reads, except where it reads the time."""
    assert parse_expression(text).reads_clock is reads_clock


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


def test_a_constraint_on_the_ticks_of_the_question_itself():
    expression = parse_expression("not(selected(., 'keine') and count-selected(.) > 1)")
    assert [expression.evaluate(evaluate_with({}, own=answer)) for answer in ("keine", "keine rad", "rad fuss")] == [
        True, False, True]
    assert expression.describe(lambda name: "Frage 3", lambda name, value: value) == (
        "diese Frage nicht mit „keine“ beantwortet ist oder die Zahl der angekreuzten Antworten bei dieser Frage "
        "höchstens 1 ist")


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


@pytest.mark.parametrize("text, answers, expected", [
    ("${a} + ${b} * 2", {"a": 1, "b": 3}, 7.0),
    ("(${a} + ${b}) div 4", {"a": 1, "b": 3}, 1.0),
    ("${a} mod 3", {"a": 7}, 1.0),
    ("-${a} + 1", {"a": 2}, -1.0),
    ("if(${a} > 1, 'viel', 'wenig')", {"a": 2}, "viel"),
    ("concat(${a}, '-', ${b})", {"a": "x", "b": 2}, "x-2"),
    ("int(${a} div 2)", {"a": 7}, 3.0),
    ("round(${a}, 1)", {"a": 2.25}, 2.3),
    ("round(-2.5)", {}, -3.0),
    ("coalesce(${a}, 'leer')", {"a": ""}, "leer"),
    ("string-length(concat(${a}, ${a}))", {"a": "ab"}, 4.0),
    ("${a} + 1", {"a": ""}, ""),  # a missing number makes no number, as in ODK
    ("${d} + 1", {"d": dt.date(2024, 2, 28)}, dt.date(2024, 2, 29)),
    ("today()", {}, dt.date.today()),
    ("count-selected(${a})", {"a": "x y z"}, 3.0),
    ("substr('abcdef', 1, 3)", {}, "bc"),
    ("true() and not(false())", {}, True),
])
def test_calculations_compute_as_xpath_does(text, answers, expected):
    assert parse_expression(text).value(evaluate_with(answers)) == expected


@pytest.mark.parametrize("text, answers, expected", [
    ("substr(${t}, 0, ${n})", {"t": "Wort", "n": ""}, ""),
    ("substr(${t}, ${n})", {"t": "Wort", "n": "x"}, ""),
    ("round(${x}, ${n})", {"x": 2.25, "n": ""}, ""),
    ("round(${x}, 400)", {"x": 2.25}, 2.25),
    ("round(${x}, -400)", {"x": 2.25}, ""),
    ("pow(10, ${n})", {"n": 400}, ""),
    ("pow(0, -1)", {}, ""),
    ("pow(-8, 0.5)", {}, ""),
    ("${d} + ${n}", {"d": dt.date(2024, 1, 1), "n": 1e9}, ""),  # beyond the last date: no value
    ("regex(${t}, ${p})", {"t": "a", "p": "[0-9"}, False),  # a pattern from an answer that is none
])
def test_what_no_number_can_be_made_of_gives_no_value_and_never_fails(text, answers, expected):
    assert parse_expression(text).value(evaluate_with(answers)) == expected


def test_regex_reads_odks_letter_classes_and_refuses_a_broken_pattern_when_parsed():
    letters = parse_expression(r"regex(., '^\p{L}+$')")
    assert [letters.evaluate(evaluate_with({}, own=word)) for word in ("Ärger", "a1")] == [True, False]
    with pytest.raises(ExpressionError, match="cannot be read") as caught:
        parse_expression("regex(., '[0-9')")
    assert not caught.value.unsupported


@pytest.mark.parametrize("text, answers, expected", [
    ("regex(., '^[0-9]{5}$')", {None: "12345"}, True),
    ("regex(., '^[0-9]{5}$')", {None: "1234"}, False),
    (". <= today()", {None: dt.date(2000, 1, 1)}, True),
    (". > ${a} + 1", {None: 5, "a": 3}, True),
    ("contains(., 'x') or starts-with(., 'a')", {None: "abc"}, True),
])
def test_constraints_with_functions_and_arithmetic(text, answers, expected):
    own = answers.pop(None)
    assert parse_expression(text).evaluate(evaluate_with(answers, own=own)) is expected


def test_a_choice_filter_reads_the_columns_of_a_choice_by_bare_name():
    expression = parse_expression("state=${state} and label::English != ''")
    assert expression.columns == {"state", "label::English"} and expression.references == {"state"}
    columns = {"state": "wa", "label::English": "King"}
    assert expression.evaluate(evaluate_with({"state": "wa"}), columns.get)
    assert not expression.evaluate(evaluate_with({"state": "tx"}), columns.get)


@pytest.mark.parametrize("text, formula", [
    ("${a} + ${b} * 2", "($A$1+($B$1*2))"),
    ("${a} div 2 - ${b} mod 3", "(($A$1/2)-MOD($B$1,3))"),
    ("if(${a} = 'x', concat(${b}, '!'), 'nein')", 'IF($A$1="X",($B$1&"!"),"nein")'),
    ("round(${a}, 2) > int(${b})", "ROUND($A$1,2)>TRUNC($B$1)"),
    (". <= today()", "$C$3<=TODAY()"),
    ("coalesce(${a}, ${b})", 'IF($A$1="",$B$1,$A$1)'),
])
def test_excel_formulas_of_arithmetic_and_functions(text, formula):
    cells = {"a": "$A$1", "b": "$B$1", None: "$C$3"}
    assert parse_expression(text).to_excel(cells.get, lambda name, value: value.upper()) == formula


def test_what_excel_cannot_compute_and_functions_outside_the_subset_are_said_apart():
    with pytest.raises(UnsupportedExpression, match="Excel cannot compute regex"):
        parse_expression("regex(., 'a')").to_excel(lambda name: "$A$1", lambda name, value: value)
    with pytest.raises(UnsupportedExpression, match=r"pulldata\(\) is not supported"):
        parse_expression("pulldata('f', 'a', 'b', ${x})")
    with pytest.raises(UnsupportedExpression):
        parse_expression("count(../item)")
    with pytest.raises(ExpressionError) as caught:
        parse_expression("${a} = = 1")
    assert not caught.value.unsupported


def test_a_regex_constraint_and_a_computed_comparison_are_described_in_words():
    literal = lambda name, value: value  # noqa: E731
    assert parse_expression("regex(., '^[0-9]{5}$')").describe(str, literal) == (
        "die Antwort auf diese Frage dem Muster „^[0-9]{5}$“ entspricht")
    assert parse_expression("${a} > ${b} + 1").describe(lambda name: f"Frage {name}", literal) == (
        "die Antwort auf Frage a größer als (die Antwort auf Frage b + 1) ist")
