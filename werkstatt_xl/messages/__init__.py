"""What a person reads, in one place per language, and the stable codes of problems in users' files.

Every problem found in a file a person edits or returns has a :class:`Code`: tests and programs
assert codes, never wording. The sentences live in :mod:`.de` (German: what the workbooks,
the sheet "Prüfung" and the e-mails say) and :mod:`.en` (English: the terminal). :func:`text`
looks a key up in the terminal's language first and falls back to the other, so a text that
exists only in German (a reason on the sheet "Prüfung") is German everywhere.
"""

from __future__ import annotations

from . import de, en
from .codes import Code

__all__ = ["Code", "fixed_text", "plural", "text"]


def text(key: str, /, **values: object) -> str:
    """The text of ``key`` (a :class:`Code` or another message key) with ``values`` filled in."""
    for language in (en, de):
        template = language.TEXTS.get(key)
        if template is not None:
            return template.format(**values)
    raise KeyError(key)


def plural(count: int, one_key: str, other_key: str, /, **values: object) -> str:
    """The text of ``one_key`` when ``count`` is 1, else of ``other_key``, with ``count`` and ``values`` filled in."""
    return text(one_key if count == 1 else other_key, count=count, **values)


def fixed_text(key: str) -> str | None:
    """The text of ``key`` when it has no placeholders, else None: a sentence that quotes nothing it was given."""
    for language in (en, de):
        template = language.TEXTS.get(key)
        if template is not None:
            return None if "{" in template else template
    return None
