"""What a person reads, and the stable codes of problems in users' files.

Every problem found in a file a person edits or returns has a :class:`Code`: tests and programs
assert codes, never wording. The terminal's sentences live in the gettext catalogues
``werkstatt_xl/locale/<language>/LC_MESSAGES/werkstatt_xl.po`` (msgid: the key), German and
English, in the :func:`language` of the environment; what the workbooks, the sheet "Prüfung" and
the e-mails say is German whatever the terminal speaks, and lives in :mod:`.de`. :func:`text`
looks a key up in both: a key is in one of them only (a test checks).
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path

from . import de
from .codes import Code

__all__ = ["DOMAIN", "LOCALE_DIR", "Code", "fixed_text", "language", "plural", "text"]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
"""The compiled catalogues, ``<language>/LC_MESSAGES/<domain>.mo``."""
DOMAIN = "werkstatt_xl"
"""The gettext domain of the terminal's texts."""
_LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@functools.cache
def language() -> str:
    """``"de"`` when the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set (and not empty)
    starts with "de", else ``"en"``; decided once per process."""
    for variable in _LANGUAGE_VARIABLES:
        value = os.environ.get(variable)
        if value:
            return "de" if value.startswith("de") else "en"
    return "en"


class _Missing(gettext.NullTranslations):
    """The end of a catalogue's fallback chain: a key it lacks is an error, not its own text."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        raise KeyError(singular)


@functools.cache
def _catalogue(name: str) -> gettext.NullTranslations:
    catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[name])
    catalogue.add_fallback(_Missing())
    return catalogue


def _template(key: str) -> str:
    template = de.TEXTS.get(key)
    return _catalogue(language()).gettext(key) if template is None else template


def text(key: str, /, **values: object) -> str:
    """The text of ``key`` (a :class:`Code` or another message key) with ``values`` filled in."""
    return _template(key).format(**values)


def plural(count: int, one_key: str, other_key: str, /, **values: object) -> str:
    """The catalogue's text for ``count`` of the entry ``one_key`` (plural ``other_key``), with
    ``count`` and ``values`` filled in."""
    return _catalogue(language()).ngettext(one_key, other_key, count).format(count=count, **values)


def fixed_text(key: str) -> str | None:
    """The text of ``key`` when it has no placeholders, else None: a sentence that quotes nothing it was given."""
    try:
        template = _template(key)
    except KeyError:
        return None
    return None if "{" in template else template
