"""How a questionnaire marks its answers and identity, so that they can be found again.

The writer (``questionnaire``) and the reader (``ingest``) share these conventions and
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
