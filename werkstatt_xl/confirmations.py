"""``bestaetigungen.csv``: returns without identity that the office confirmed as genuine.

A return whose hidden identity is missing is matched to a Werkzeug by its title only, which
anyone can type; it counts once a person at the office has checked where it came from and
confirmed it. A confirmation names the file's content (SHA-256), so a file changed or replaced
afterwards needs a new one.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path

from .files import read_csv_rows, write_csv

CONFIRMATIONS = "bestaetigungen.csv"
COLUMNS = ("datei", "sha256", "werkzeug_id", "bestaetigt_am")
"""The columns of the file (German: the office reads it), in the order of :class:`Confirmation`'s fields."""


@dataclass(frozen=True)
class Confirmation:
    file: str
    sha256: str
    werkzeug_id: str
    confirmed_at: str


def read_confirmations(path: Path) -> list[Confirmation]:
    """The confirmations recorded so far (none when the file does not exist)."""
    if not Path(path).is_file():
        return []
    return [Confirmation(*(row.get(column, "").strip() for column in COLUMNS)) for row in read_csv_rows(path)[1]]


def write_confirmations(path: Path, confirmations: list[Confirmation]) -> None:
    """Write the whole file (see :func:`~werkstatt_xl.files.write_csv`)."""
    write_csv(path, COLUMNS, map(astuple, confirmations))
