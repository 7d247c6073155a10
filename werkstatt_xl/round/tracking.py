"""``status``: where each Werkzeug of the round stands, from the catalogue, the issue log, the last merge and the
sent-log."""

from __future__ import annotations

from pathlib import Path

from ..catalogue import load_catalogue
from ..mail import SENT_LOG, last_events, read_sent_log
from ..status import render, status_table
from .inbox import read_register
from .project import Project, issued_questionnaires
from .reading import returned_files

__all__ = ["register_statuses", "render", "sent_log_path", "status", "unmerged_files"]


def status(project: Project):
    """One row per catalogue Werkzeug with the last e-mail sent to it (see
    :func:`werkstatt_xl.status.status_table`)."""
    catalogue = load_catalogue(project.catalogue_path)
    issued, _ = issued_questionnaires(project, catalogue)
    events = last_events(read_sent_log(sent_log_path(project)))
    return status_table(catalogue, {entry.werkzeug_id for entry in issued}, register_statuses(project), events)


def sent_log_path(project: Project) -> Path:
    """``post/gesendet.csv``: every e-mail sent, in the order sent."""
    return project.drafts / SENT_LOG


def unmerged_files(project: Project) -> list[Path]:
    """Returned files changed after the last merge wrote the register (all of them before any merge)."""
    if not project.inbox.is_dir():
        return []
    merged_at = project.master_path.stat().st_mtime if project.master_path.is_file() else float("-inf")
    return [path for path in returned_files(project.inbox) if path.stat().st_mtime > merged_at]


def register_statuses(project: Project) -> dict[str, str] | None:
    """Werkzeug-ID -> its status in the register of the last merge (eingegangen, mit Problemen,
    abgelehnt or offen); None before any merge."""
    register = read_register(project, answers=False)  # statuses only: a broken form does not matter here
    if register is None:
        return None
    return {str(werkzeug_id): status for werkzeug_id, status in zip(register["werkzeug_id"], register["status"])}
