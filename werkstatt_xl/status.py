"""Where each Werkzeug of the round stands: returned, with problems, rejected, issued (no return yet) or not issued."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .project import Project
from .register import (MASTER_NAME, STATUS_MISSING, STATUS_PROBLEMS, STATUS_RECEIVED, STATUS_REJECTED,
                       read_register, returned_files)

STATUS_ISSUED = "ausgegeben"
STATUS_NOT_ISSUED = "nicht ausgegeben"
"""Not in ausgabe.csv (e.g. added to the catalogue after generate); "offen" in the register means no return."""
ORDER = (STATUS_RECEIVED, STATUS_PROBLEMS, STATUS_REJECTED, STATUS_ISSUED, STATUS_NOT_ISSUED)
"""Every status, in the order counts are shown."""
COLUMNS = ("werkzeug_id", "werkzeug", "fachamt", "email", "status")
NO_FACHAMT = "(ohne Angabe)"


def collect_status(project: Project):
    """One row per catalogue Werkzeug (DataFrame with :data:`COLUMNS`).

    A return in the last merge's register decides (eingegangen, mit Problemen, abgelehnt);
    otherwise the Werkzeug is "ausgegeben" when ``ausgabe.csv`` lists it, else "nicht ausgegeben".
    """
    import pandas as pd

    from .catalogue import load_catalogue
    from .questionnaire import read_issue_log

    catalogue = load_catalogue(project.catalogue_path)
    issued = {entry.werkzeug_id for entry in read_issue_log(project.outbox)}
    returned = {werkzeug_id: status for werkzeug_id, status in (register_statuses(project) or {}).items()
                if status != STATUS_MISSING}
    rows = []
    for werkzeug in catalogue.werkzeuge:
        status = returned.get(werkzeug.werkzeug_id) or (
            STATUS_ISSUED if werkzeug.werkzeug_id in issued else STATUS_NOT_ISSUED)
        rows.append((werkzeug.werkzeug_id, werkzeug.werkzeug, werkzeug.fachamt, werkzeug.email, status))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def unmerged_files(project: Project) -> list[Path]:
    """Returned files changed after the last merge wrote the register (all of them before any merge)."""
    if not project.inbox.is_dir():
        return []
    master = project.results / MASTER_NAME
    merged_at = master.stat().st_mtime if master.is_file() else float("-inf")
    return [path for path in returned_files(project) if path.stat().st_mtime > merged_at]


def register_statuses(project: Project) -> dict[str, str] | None:
    """Werkzeug-ID -> its status in the register of the last merge (eingegangen, mit Problemen,
    abgelehnt or offen); None before any merge."""
    register = read_register(project)
    if register is None:
        return None
    return {str(werkzeug_id): status for werkzeug_id, status in zip(register["werkzeug_id"], register["status"])}


def render(frame, output_format: str = "text") -> str:
    """The status table as text (grouped by Fachamt, with counts), CSV or JSON."""
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(frame[list(COLUMNS)].itertuples(index=False))
        return buffer.getvalue()
    if output_format == "json":
        return json.dumps(frame[list(COLUMNS)].to_dict("records"), ensure_ascii=False, indent=2) + "\n"
    return _text(frame)


def _counts(statuses) -> str:
    counts = statuses.value_counts()
    return ", ".join(f"{status} {counts[status]}" for status in ORDER if status in counts)


def _werkzeuge(count: int) -> str:
    return f"{count} Werkzeug" if count == 1 else f"{count} Werkzeuge"


def _text(frame) -> str:
    id_width = max([len(value) for value in frame["werkzeug_id"]], default=0)
    status_width = max(len(status) for status in ORDER)
    lines = []
    fachamt = frame["fachamt"].replace("", NO_FACHAMT)
    for name, group in frame.groupby(fachamt, sort=False):
        lines.append(f"{name}: {_werkzeuge(len(group))} ({_counts(group['status'])})")
        lines += [f"  {row.werkzeug_id:<{id_width}}  {row.status:<{status_width}}  {row.werkzeug}"
                  for row in group.itertuples(index=False)]
        lines.append("")
    lines.append(f"Total: {_werkzeuge(len(frame))} ({_counts(frame['status'])})")
    return "\n".join(lines) + "\n"
