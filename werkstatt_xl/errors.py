"""Every error a user can act on, under one base class :class:`WerkstattError`.

``str(error)`` is the whole message: what went wrong, where, and what to do. The command line
prints it and exits with 1; anything else is a bug and keeps its traceback. Problems found in
a file a person edits carry a stable :class:`~werkstatt_xl.messages.Code` each, so tests and
programs can tell them apart without reading the wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .messages import Code, text


class WerkstattError(Exception):
    """Base class: an error caused by input, settings or the environment, with a message that says what to do."""


class ProjectError(WerkstattError, ValueError):
    """A project folder or setting that cannot be used."""


class OutputError(WerkstattError, OSError):
    """An output file or folder that cannot be written."""


@dataclass(frozen=True)
class FileProblem:
    """One problem found in a file a person edits: its code, where it is, and the sentence shown."""

    code: Code
    message: str
    line: int | None = None
    """Row of a sheet or line of a text file (1-based); None for the file as a whole."""
    sheet: str = ""

    def __str__(self) -> str:
        return self.message


class InputFileError(WerkstattError, ValueError):
    """A file a person edits (catalogue, form, report definition, e-mail text) that cannot be used.

    The message names the file, lists every problem (with row or line) and says what to do.
    """

    what = "input_file.file"
    """Key of the text naming the kind of file."""
    remedy = "input_file.remedy"
    """Key of the text saying what to do."""
    most_shown = 20

    def __init__(self, path: Path, problems: Iterable[FileProblem]):
        self.path, self.problems = Path(path), list(problems)
        shown = [str(problem) for problem in self.problems[:self.most_shown]]
        if len(self.problems) > self.most_shown:
            shown.append(text("input_file.more", count=len(self.problems) - self.most_shown))
        lines = "\n".join(f"  {problem}" for problem in shown)
        super().__init__(text("input_file.errors", path=self.path, what=text(self.what), problems=lines,
                              remedy=text(self.remedy)))

    @property
    def codes(self) -> list[Code]:
        return [problem.code for problem in self.problems]


class CatalogueError(InputFileError):
    """A catalogue that cannot be used; each problem names row and column."""

    what = "input_file.catalogue"
    remedy = "input_file.catalogue_remedy"


class FormError(InputFileError):
    """An XLSForm that cannot be used; each problem names sheet and row."""

    what = "input_file.form"
    remedy = "input_file.form_remedy"
    most_shown = 1000


class FormLanguageError(FormError):
    """A form language asked for that the XLSForm does not have: the mistake is the option, not the form."""

    remedy = "input_file.form_language_remedy"


class SettingsError(InputFileError, ProjectError):
    """A ``werkstatt.toml`` that cannot be used; each problem names its line."""

    what = "input_file.settings"


class ReportError(ProjectError):
    """A report that cannot be made."""


class ReportDefinitionError(InputFileError, ReportError):
    """A report definition that cannot be used; each problem names its line."""

    what = "input_file.report_definition"
    remedy = "input_file.report_definition_remedy"
    most_shown = 1000


class MailError(WerkstattError):
    """Sending stopped; ``sent`` went out (and are in the sent-log), ``unsent`` did not."""

    def __init__(self, message: str, sent: Iterable = (), unsent: Iterable = ()):
        super().__init__(message)
        self.sent, self.unsent = tuple(sent), tuple(unsent)


class CollectError(WerkstattError):
    """Collecting returns from the mailbox stopped (login refused, connection dropped, no such folder)."""


class IngestError(WerkstattError):
    """A returned file that cannot be read. ``reason`` and ``hint`` are German sentences for a person."""

    def __init__(self, path: Path, code: Code, reason: str, hint: str):
        super().__init__(f"{path.name}: {reason} {hint}")
        self.path, self.code, self.reason, self.hint = path, code, reason, hint
