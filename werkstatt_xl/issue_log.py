"""``ausgabe.csv``, the issue log: which questionnaire went out to which Werkzeug under which token.

Its column names are a file format that existing projects hold (German, as the office reads
them in Excel); the attributes of :class:`IssuedQuestionnaire` are their English names. A lost
log can be rebuilt from the questionnaires issued, which carry their tokens (:func:`rebuild_issue_log`).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Iterable, Mapping

from .anchors import META_KEYS
from .errors import IngestError, ProjectError
from .files import read_csv_rows, write_csv
from .ingest import read_return
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


def rebuild_issue_log(questionnaires: Iterable[Path],
                      names: Mapping[str, str]) -> tuple[list[IssuedQuestionnaire], list[Path]]:
    """The issue log rebuilt from the questionnaires issued, each carrying form, version, Werkzeug-ID and
    token in its hidden metadata; and the files that carry none. ``names``: Werkzeug-ID -> name.

    A questionnaire counts as issued when it was saved (the time its properties give, else the file's).
    """
    issued, without_identity, tokens = [], [], set()
    for path in questionnaires:
        try:
            raw = read_return(path)
        except IngestError:
            without_identity.append(path)
            continue
        meta = raw.meta
        if not all(meta.get(key) for key in META_KEYS):
            without_identity.append(path)
        elif meta["token"] not in tokens:
            tokens.add(meta["token"])
            saved = (raw.modified or raw.file_mtime).replace(microsecond=0)
            issued.append(IssuedQuestionnaire(meta["werkzeug_id"], names.get(meta["werkzeug_id"], ""), path.name,
                                              meta["token"], meta["form_id"], meta["form_version"],
                                              saved.isoformat()))
    return issued, without_identity
