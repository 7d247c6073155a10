"""The orchestration layer: each command of a round as a function over a project folder.

Everything below this package is a pure step that touches no project folder; everything
above it (the command line) only parses, calls these functions and prints what they return.

Its modules load when a name of theirs is first asked for (PEP 562): ``merge`` starts its readers
(:mod:`.reading`) before the others and pandas load, and each command loads only what it uses.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "..rounds": ("next_title",),
    "mailbox": ("CollectResult", "check_imap_settings", "collect", "collect_from_folder", "collect_log_path"),
    "inbox": ("MergeResult", "confirm", "merge", "read_problems", "read_register", "read_repeats"),
    "mailing": ("CORRECTION", "INVITATION", "RECEIPT", "REMINDER", "check_smtp_settings", "plan_mail", "send_mail",
                "write_mail_drafts"),
    "nextround": ("NextRound", "PreviousRound", "check_new_folder", "init_next_round", "load_source_round",
                  "previous_round"),
    "outbox": ("GenerateResult", "generate"),
    "project": ("MASTER_NAME", "REPORT_NAME", "Project", "init_project", "load_project"),
    "reading": ("Progress", "Reads", "reading_project", "returned_files"),
    "results": ("ReportResult", "report", "round_changes"),
    "tracking": ("register_statuses", "render", "sent_log_path", "status", "unmerged_files"),
}
"""Module (of this package unless dotted) -> the names it gives this package."""
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    """Load the module that holds ``name`` (once: the name is then kept here)."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _MODULE_OF[name]
    value = getattr(importlib.import_module(module if module.startswith(".") else f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

