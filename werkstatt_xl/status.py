"""Where each Werkzeug of the round stands: returned, with problems, rejected, offen (issued, nothing back yet)
or not issued, and the last e-mail that went to it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from .catalogue import Catalogue
from .files import csv_cell
from .messages import plural, text
from .register import STATUS_MISSING, STATUS_PROBLEMS, STATUS_RECEIVED, STATUS_REJECTED, STATUS_UNCONFIRMED

STATUS_NOT_ISSUED = "nicht ausgegeben"
"""Not in ausgabe.csv (e.g. added to the catalogue after generate), which the register counts as "offen" too."""
ORDER = (STATUS_RECEIVED, STATUS_PROBLEMS, STATUS_UNCONFIRMED, STATUS_REJECTED, STATUS_MISSING, STATUS_NOT_ISSUED)
"""Every status, in the order counts are shown."""
COLUMNS = ("werkzeug_id", "werkzeug", "fachamt", "email", "status", "letzte_mail", "letzte_mail_am")
"""``letzte_mail``: eingeladen, erinnert, Korrektur erbeten or Eingang bestätigt (or empty); ``letzte_mail_am``
its date as YYYY-MM-DD."""


def status_table(catalogue: Catalogue, issued: set[str], register_statuses: dict[str, str] | None,
                 mail_events: dict[str, tuple[str, str]] | None = None):
    """One row per catalogue Werkzeug (DataFrame with :data:`COLUMNS`).

    A return in the last merge's register (``register_statuses``: Werkzeug-ID -> status, None
    before any merge) decides (eingegangen, mit Problemen, abgelehnt); otherwise the Werkzeug
    is "offen", as in the register, when ``issued`` holds its id, else "nicht ausgegeben".
    ``mail_events``: Werkzeug-ID -> (event, date) of the last e-mail sent to it.
    """
    import pandas as pd

    returned = {werkzeug_id: status for werkzeug_id, status in (register_statuses or {}).items()
                if status != STATUS_MISSING}
    rows = []
    for werkzeug in catalogue.werkzeuge:
        status = returned.get(werkzeug.werkzeug_id) or (
            STATUS_MISSING if werkzeug.werkzeug_id in issued else STATUS_NOT_ISSUED)
        event, day = (mail_events or {}).get(werkzeug.werkzeug_id, ("", ""))
        rows.append((werkzeug.werkzeug_id, werkzeug.werkzeug, werkzeug.fachamt, werkzeug.email, status, event, day))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def render(frame, output_format: str = "text") -> str:
    """The status table as text (grouped by Fachamt, with counts), CSV (cells neutralised for Excel,
    see :func:`~werkstatt_xl.files.csv_cell`) or JSON."""
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        rows = frame[list(COLUMNS)].itertuples(index=False)
        writer.writerows([csv_cell(str(value)) for value in row] for row in rows)
        return buffer.getvalue()
    if output_format == "json":
        return json.dumps(frame[list(COLUMNS)].to_dict("records"), ensure_ascii=False, indent=2) + "\n"
    return _text(frame)


def _counts(statuses) -> str:
    counts = statuses.value_counts()
    return ", ".join(f"{status} {counts[status]}" for status in ORDER if status in counts)


def _werkzeuge(count: int) -> str:
    return plural(count, "count.werkzeug", "count.werkzeuge")


def _text(frame) -> str:
    id_width = max([len(value) for value in frame["werkzeug_id"]], default=0)
    status_width = max(len(status) for status in ORDER)
    lines = []
    fachamt = frame["fachamt"].replace("", text("master.no_value"))
    for name, group in frame.groupby(fachamt, sort=False):
        lines.append(f"{name}: {_werkzeuge(len(group))} ({_counts(group['status'])})")
        lines += [f"  {row.werkzeug_id:<{id_width}}  {row.status:<{status_width}}  {row.werkzeug}{_last_mail(row)}"
                  for row in group.itertuples(index=False)]
        lines.append("")
    lines.append(text("status.total", werkzeuge=_werkzeuge(len(frame)), counts=_counts(frame["status"])))
    return "\n".join(lines) + "\n"


def _last_mail(row) -> str:
    """``  (erinnert am 02.12.2026)`` for a Werkzeug an e-mail went to, else nothing."""
    if not row.letzte_mail:
        return ""
    try:
        day = dt.date.fromisoformat(row.letzte_mail_am).strftime("%d.%m.%Y")
    except ValueError:
        day = row.letzte_mail_am
    return f"  ({text('status.last_mail', event=row.letzte_mail, date=day)})"
