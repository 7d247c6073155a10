"""Round values in templates: ``{{horizon}}`` in the questionnaire, the Tabelle 1 definition and the e-mails.

One syntax for every template, chosen so it cannot clash with what the files already use:
XLSForm's ``${name}`` references, ``str.format``'s ``{page}`` in tabelle1.toml, TOML's ``[[yes_no]]``
and the e-mails' ``$title``. The values are those of ``[round]`` in ``werkstatt.toml``
(:func:`round_values`); :func:`fill_placeholders` is the one place that puts them in.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from .messages import Code, text
from .settings import Settings

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
"""``{{name}}``, spaces inside the braces allowed."""
ROUND_PLACEHOLDERS = {
    "title": 'title = "Zwischenbilanz 2026"',
    "deadline": "deadline = 2026-12-15",
    "horizon": "horizon = 2027",
}
"""The placeholders a template may use -> how ``[round]`` sets the value, for a message."""


class PlaceholderError(ValueError):
    """A placeholder that names no round value, or a round value that ``werkstatt.toml`` leaves unset."""

    def __init__(self, name: str, unset: bool):
        super().__init__(name)
        self.name, self.unset = name, unset

    @property
    def code(self) -> Code:
        return Code.TEMPLATE_VALUE_UNSET if self.unset else Code.TEMPLATE_UNKNOWN_PLACEHOLDER

    @property
    def values(self) -> dict[str, str]:
        """The values of the code's text."""
        if self.unset:
            return dict(name=self.name, example=ROUND_PLACEHOLDERS[self.name])
        return dict(name=self.name, known=known_placeholders())

    def describe(self) -> str:
        """What is wrong and what to do, for a message that names the file and the place in it."""
        return text(self.code, **self.values)


def known_placeholders() -> str:
    """``{{title}}, {{deadline}}, {{horizon}}``: for messages."""
    return ", ".join(f"{{{{{name}}}}}" for name in ROUND_PLACEHOLDERS)


def round_values(settings: Settings) -> dict[str, str | None]:
    """The values of the round placeholders (None: unset). ``horizon`` unset is the year after the deadline's."""
    horizon = settings.horizon or (settings.deadline.year + 1 if settings.deadline else None)
    return {"title": settings.title or None, "deadline": settings.deadline_text or None,
            "horizon": str(horizon) if horizon else None}


def fill_placeholders(text: str, values: Mapping[str, str | None], escape: Callable[[str], str] = str) -> str:
    """``text`` with every ``{{name}}`` replaced by ``escape(values[name])``.

    Raises :class:`PlaceholderError` for the first name that is not in ``values`` or whose value is None;
    ``escape`` protects a value in the syntax of the file it goes into (e.g. ``$`` in an e-mail template).
    """
    if "{{" not in text:
        return text

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise PlaceholderError(name, unset=False)
        if values[name] is None:
            raise PlaceholderError(name, unset=True)
        return escape(values[name])

    return PLACEHOLDER.sub(value, text)


def fill_placeholders_in(data: object, values: Mapping[str, str | None]) -> object:
    """``data`` (text, or lists and dicts of them, as TOML gives) with the placeholders of every text filled."""
    if isinstance(data, str):
        return fill_placeholders(data, values)
    if isinstance(data, list):
        return [fill_placeholders_in(item, values) for item in data]
    if isinstance(data, dict):
        return {key: fill_placeholders_in(item, values) for key, item in data.items()}
    return data


def line_of(text: str, name: str) -> int:
    """The line of the first placeholder ``name`` in ``text`` (1 if none), for a message."""
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) == name:
            return text.count("\n", 0, match.start()) + 1
    return 1
