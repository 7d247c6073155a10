"""The orchestration layer: each command of a round as a function over a project folder.

Everything below this package is a pure step that touches no project folder; everything
above it (the command line) only parses, calls these functions and prints what they return.
"""

from .collect import CollectResult, check_imap_settings, collect, collect_from_folder, collect_log_path
from .inbox import MergeResult, confirm, merge, read_problems, read_register, read_repeats, returned_files
from .mailing import (
    CORRECTION,
    INVITATION,
    RECEIPT,
    REMINDER,
    check_smtp_settings,
    plan_mail,
    send_mail,
    write_mail_drafts,
)
from .nextround import NextRound, PreviousRound, init_next_round, load_source_round, previous_round
from .outbox import GenerateResult, generate
from .project import MASTER_NAME, REPORT_NAME, Progress, Project, init_project, load_project
from .results import ReportResult, report, round_changes
from .tracking import register_statuses, render, sent_log_path, status, unmerged_files

__all__ = [
    "CORRECTION", "CollectResult", "GenerateResult", "INVITATION", "MASTER_NAME", "MergeResult", "NextRound",
    "PreviousRound", "Progress", "Project", "RECEIPT", "REMINDER", "REPORT_NAME", "ReportResult", "check_imap_settings",
    "check_smtp_settings", "collect", "collect_from_folder", "collect_log_path", "confirm", "generate",
    "init_next_round", "init_project", "load_project", "load_source_round", "merge", "plan_mail", "previous_round",
    "read_problems", "read_register", "read_repeats", "register_statuses", "render", "report", "returned_files",
    "round_changes", "send_mail", "sent_log_path", "status", "unmerged_files", "write_mail_drafts",
]
