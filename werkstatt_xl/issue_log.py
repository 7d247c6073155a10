"""``ausgabe.csv``, the issue log: which questionnaire went out to which Werkzeug under which token.

Its column names are a file format that existing projects hold (German, as the office reads
them in Excel); the attributes of :class:`IssuedQuestionnaire` are their English names.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path

from .errors import ProjectError
from .files import read_csv_rows, write_csv
from .messages import Code, text

ISSUE_LOG = "ausgabe.csv"


@dataclass(frozen=True)
class IssuedQuestionnaire:
    """One line of ``ausgabe.csv``."""

    werkzeug_id: str
    werkzeug: str
    file: str
    token: str
    form_id: str
    form_version: str
    issued_at: str


COLUMNS = ("werkzeug_id", "werkzeug", "datei", "token", "form_id", "form_version", "ausgegeben_am")
"""The columns of ``ausgabe.csv``, in the order of the fields of :class:`IssuedQuestionnaire`."""


def read_issue_log(path: Path) -> list[IssuedQuestionnaire]:
    """The questionnaires issued so far (empty when the log does not exist yet).

    Reads the log also after Excel re-saved it (``;``-separated, cp1252).
    """
    path = Path(path)
    if not path.is_file():
        return []
    columns, rows = read_csv_rows(path)
    if rows and not {"werkzeug_id", "token"} <= set(columns):
        raise ProjectError(text(Code.ISSUE_LOG_MISSING_COLUMNS, path=path))
    return [IssuedQuestionnaire(*(row.get(column, "").strip() for column in COLUMNS)) for row in rows]


def write_issue_log(path: Path, issued: list[IssuedQuestionnaire]) -> None:
    """Write ``ausgabe.csv`` (see :func:`~werkstatt_xl.files.write_csv`)."""
    write_csv(path, COLUMNS, map(astuple, issued))
