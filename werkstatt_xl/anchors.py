"""How a questionnaire marks its answers and identity, so that they can be found again.

The writer (``questionnaire``) and the reader (``ingest``) share these conventions and cell names and
nothing else: an answer is found by the marker in the hidden cell to its right, never by
a fixed address, so inserted rows, renamed sheets and a LibreOffice round trip do not
move it.
"""

ANSWER_MARKER = "wxl:"
"""Text of the hidden cell right of each answer cell: ``wxl:<question name>``."""

META_PREFIX = "wxl.meta."
"""Key cells on the hidden metadata sheet: ``wxl.meta.<key>``, the value in the cell right of it."""

META_KEYS = ("form_id", "form_version", "werkzeug_id", "token")
"""Metadata every questionnaire carries."""


def answer_marker(name: str) -> str:
    """The marker text written beside the answer cell of question ``name``."""
    return ANSWER_MARKER + name


TICK = "x"
"""What marks a choice of a select_multiple question as chosen: the only entry of its cell's dropdown."""
TICKS = frozenset({"x", "✓", "✔", "☒", "ja", "1", "wahr", "true"})
"""What a ticked cell may hold when read back, ignoring case: the tick, or what a person or a program
(LibreOffice's TRUE, 1) writes instead."""

CHOICE_SEPARATOR, ROW_SEPARATOR = "#", "@"
"""In an answer key: ``name#choice`` is the cell of one choice of a select_multiple question, ``name@2`` the
answer in the second row of a repeat, ``name@2#choice`` both. Neither character can be part of a question
name, so the key splits back unambiguously whatever the choice's name holds."""


def answer_key(name: str, row: int | None = None, choice: str | None = None) -> str:
    """The key of one answer cell (what follows :data:`ANSWER_MARKER` in its marker)."""
    key = name if row is None else f"{name}{ROW_SEPARATOR}{row}"
    return key if choice is None else f"{key}{CHOICE_SEPARATOR}{choice}"


def split_answer_key(key: str) -> tuple[str, int | None, str | None]:
    """``(name, row, choice)`` of an answer key, the inverse of :func:`answer_key`; a row that is no number
    is kept in the name (which then matches no question)."""
    key, separator, choice = key.partition(CHOICE_SEPARATOR)
    name, _, row = key.partition(ROW_SEPARATOR)
    number = int(row) if row.isascii() and row.isdigit() else None
    return (name if number is not None or not row else key), number, (choice if separator else None)


def meta_key(key: str) -> str:
    """The key cell text for metadata ``key``."""
    return META_PREFIX + key


def parse_marker(text: object) -> tuple[str, str] | None:
    """``("answer", name)`` or ``("meta", key)`` for a marker cell, else ``None``."""
    if not isinstance(text, str):
        return None
    if text.startswith(META_PREFIX):
        return ("meta", text[len(META_PREFIX):])
    if text.startswith(ANSWER_MARKER):
        return ("answer", text[len(ANSWER_MARKER):])
    return None


def column_letter(index: int) -> str:
    """0 -> ``A``, 27 -> ``AB``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_name(row: int, column: int, absolute: bool = False) -> str:
    """Zero-based ``(row, column)`` -> ``C12`` (or ``$C$12``)."""
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letter(column)}{dollar}{row + 1}"
