"""How a form's words read for a person, in the questionnaire and outside it (master.xlsx, the sheet
"Prüfung", the summary, e-mails): each ``${name}`` as the question it names (``[Frage 2]``), a condition in
German words (``Frage 1 mit „Nein“ beantwortet ist``), a question's title with its references readable."""

from __future__ import annotations

from typing import Callable

from .anchors import split_answer_key
from .expression import Expression
from .form import REFERENCE, Form, Question
from .messages import text


def readable(words: str, form: Form) -> str:
    """``words`` with each ``${name}`` shown as ``[Frage 2]`` (a question without number by its label)."""
    return REFERENCE.sub(lambda match: placeholder(match.group(1), form), words)


def placeholder(name: str, form: Form) -> str:
    """A reference as a person reads it: ``[Frage 2]``, ``[„Name“]``, ``[heutiges Datum]``, else ``[name]``."""
    if name in form.metadata:
        return "[" + text(f"questionnaire.metadata.{form.metadata[name]}") + "]"
    try:
        return "[" + question_name(form, nested=True)(name) + "]"
    except KeyError:
        return "[" + name + "]"


def question_name(form: Form, nested: bool = False) -> Callable[[str], str]:
    """How a sentence names a question: ``Frage 6``, or its label in quotes where it has no number. A name
    ``nested`` in another label shows the references of its own label as "…", not resolved again: labels
    may refer to each other."""
    def name(question_name: str) -> str:
        question = form.question(question_name)
        if question.number:
            return text("questionnaire.question", number=question.number)
        label = REFERENCE.sub("…", question.label) if nested else readable(question.label, form)
        return text("expression.quoted", value=(label or question.name).rstrip(" :"))
    return name


def choice_label(form: Form) -> Callable[[str | None, str], str]:
    """Maps a choice name compared in an expression to the label a person sees."""
    def label(name: str | None, literal: str) -> str:
        choices = form.question(split_answer_key(name)[0]).choices if name else None
        choice = choices.by_name(literal) if choices else None
        return choice.label if choice else literal
    return label


def describe(condition: Expression, form: Form) -> str:
    """``condition`` in German words, for after "wenn"."""
    return condition.describe(question_name(form), choice_label(form))


def title(question: Question, form: Form) -> str:
    """Number and label as printed (``1.2 Falls nein, Gründe:``), references readable; without label its name."""
    return f"{question.number} {label(question, form)}".strip()


def label(question: Question, form: Form) -> str:
    """The question's label with its references readable, else its name."""
    return readable(question.label, form) or question.name
