"""``merge``: read every returned file in ``eingang/``, build the register, write master.xlsx and Tabelle 1."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from ..catalogue import Werkzeug, load_catalogue
from ..confirmations import Confirmation, read_confirmations, write_confirmations
from ..errors import FormError, ProjectError
from ..files import atomic_paths
from ..form import Form
from ..inbox_mail import read_collect_log, sender_notices
from ..ingest import RawReturn, Unreadable
from ..issue_log import write_issue_log
from ..master import (
    PROBLEMS_SHEET,
    REGISTER_SHEET,
    REPEATS_SHEET,
    read_form_language,
    read_sheet,
    write_master_workbook,
)
from ..messages import text
from ..overrides import OVERRIDES, Overrides, read_overrides, write_overrides
from ..register import (
    ReturnRecord,
    build_register,
    count_outcomes,
    from_readable,
    match_by_title,
    readable,
    register_headers,
    repeat_headers,
)
from ..report import printed_remarks, summarize, write_report, write_summary
from ..rounds import changed_werkzeuge, compare_rounds, count_changes
from ..validate import Problem
from .mailbox import collect_log_path
from .nextround import previous_round, reworded_questions
from .project import Project, fitting_definition, issued_questionnaires
from .reading import Progress, Reads, forked_pool, in_parallel, name_start, read_many, reading_inbox, require_inbox

if TYPE_CHECKING:
    import pandas


@dataclass
class MergeResult:
    register: "pandas.DataFrame"
    problems: list[Problem]
    returns: list[ReturnRecord]
    master_path: Path
    report_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    """Files received, rejected and superseded; Werkzeuge accepted, with_problems and missing."""
    warnings: tuple[str, ...] = ()
    overrides_path: Path | None = None
    """``redaktion.xlsx``: the office's texts for Tabelle 1, refreshed."""
    repeats: "pandas.DataFrame | None" = None
    """The filled-in rows of the form's repeats (see :mod:`werkstatt_xl.register`); None without repeats."""
    changes: "pandas.DataFrame | None" = None
    """What changed since the previous round (see :func:`~werkstatt_xl.rounds.compare_rounds`); None where the
    project knows no previous round."""

    @property
    def change_counts(self) -> dict[str, int]:
        """How many Werkzeuge returned changed answers (``changed``) and last round's unchanged (``unchanged``)."""
        return count_changes(self.changes) if self.changes is not None else {"changed": 0, "unchanged": 0}


def merge(project: Project, on_progress: Progress | None = None, reads: Reads | None = None) -> MergeResult:
    """Read every file in ``eingang/``, check it, build the register and write both workbooks.

    One bad file never stops a merge: it is listed with its reason. Returned files are
    only read. master.xlsx, Tabelle 1 and redaktion.xlsx (the office's texts for Tabelle 1,
    which it uses) are replaced all or none. A lost ``ausgabe.csv`` is rebuilt from the
    questionnaires in ``ausgang/`` first (see :func:`issued_questionnaires`). Where the project knows its
    previous round, returns of that round are rejected as such and master.xlsx gets the sheet
    "Veränderungen" (Tabelle 1 marks the changed rows where its definition says so).
    ``reads``: the project's returns, their reading started before (:func:`~.reading.reading_inbox`).
    """
    with _without_cycle_collection():
        if reads is not None:
            if reads.inbox != project.inbox:
                raise ValueError(f"the returns read are those of {reads.inbox}, not of {project.inbox}")
            return _merge_read(project, reads.results)
        with reading_inbox(project.inbox, on_progress) as started:  # the readers start while the form and
            return _merge_read(project, started.results)         # catalogue are read


def _merge_read(project: Project, results: Iterator[tuple[Path, RawReturn | Unreadable]]) -> MergeResult:
    form = project.read_form()
    catalogue = load_catalogue(project.catalogue_path)
    definition, mismatch = fitting_definition(project, form)  # a broken one stops the merge, the readers too
    previous = previous_round(project)
    overrides = read_overrides(project.root / OVERRIDES) if definition else None  # so does a broken redaktion.xlsx
    issued, notice = issued_questionnaires(project, catalogue)
    if not issued:
        raise ProjectError(text("merge.nothing_issued", path=project.issue_log, outbox=project.outbox))
    if notice:
        write_issue_log(project.issue_log, issued)
    import pandas  # noqa: F401  (while the readers work: the register needs it once they are done)

    require_inbox(project.inbox)  # its problems in the order they were always told
    inbox = name_start(project.inbox)
    reads = ((display_name(str(path)[inbox:]), raw) for path, raw in results)
    confirmed = frozenset((entry.sha256, entry.werkzeug_id) for entry in read_confirmations(project.confirmations))
    register = build_register(catalogue, form, issued, reads, confirmed, form_in=_languages_of(project, form),
                              previous_tokens=previous.tokens if previous else frozenset())
    register.problems.extend(_sender_notices(project, register.frame, catalogue))
    frame = register.frame
    repeats = register.repeats if form.repeats else None
    changes = (compare_rounds(previous.register, frame, form, reworded_questions(project, form, previous))
               if previous else None)
    write_master = partial(write_master_workbook, register=readable(frame, form.questions), problems=register.problems,
                           headers=register_headers(form), repeat_headers=repeat_headers(form),
                           repeats=None if repeats is None else readable(repeats, form.repeat_questions),
                           form_language=form.language, changes=changes)
    warnings = tuple(warning for warning in (notice, mismatch) if warning)
    if definition is None:
        with atomic_paths([project.master_path, project.summary_path]) as (master, summary):
            _both(partial(write_master, master),
                  partial(write_summary, summary, summarize(form, frame, repeats), project.title),
                  parallel=in_parallel(len(frame)))
        warnings += remove_stale(project.report_workbook_path, project.summary_path)
        return MergeResult(frame, register.problems, register.returns, project.master_path, project.summary_path,
                           count_outcomes(register), warnings, None, repeats, changes)
    with atomic_paths([project.master_path, project.report_workbook_path, overrides.path]) as (master, report, edits):
        _both(partial(write_master, master),
              partial(_write_tabelle1, frame, definition, report, edits, overrides, project.title,
                      changed_werkzeuge(changes) if previous else None),
              parallel=in_parallel(len(frame)))
        overrides.check_unchanged()
    warnings += remove_stale(project.summary_path, project.report_workbook_path)
    return MergeResult(frame, register.problems, register.returns, project.master_path,
                       project.report_workbook_path, count_outcomes(register), warnings, overrides.path, repeats,
                       changes)


def remove_stale(stale: Path, written: Path) -> tuple[str, ...]:
    """Remove ``stale`` (and its PDF), what an earlier run wrote in place of ``written`` (Tabelle 1 or the
    summary of every question), so ``ergebnis/`` never shows last round's results beside this round's:
    the warning that says so, or that it could not be removed (open in another program)."""
    found = [path for path in (stale, stale.with_suffix(".pdf")) if path.is_file()]
    if not found:
        return ()
    try:
        for path in found:
            path.unlink()
    except OSError as error:
        return (text("merge.stale_kept", path=path, written=written, reason=error.strerror or error),)
    return (text("merge.stale_removed", paths=", ".join(map(str, found)), written=written),)


def _sender_notices(project: Project, frame, catalogue) -> list[Problem]:
    """A notice for each Werkzeug's return that ``collect`` fetched only from addresses other than its own."""
    by_id = catalogue.by_id()
    returns = [(file, by_id[werkzeug_id], sha256) for werkzeug_id, file, sha256
               in frame[["werkzeug_id", "file", "sha256"]].itertuples(index=False, name=None)
               if sha256 and werkzeug_id in by_id]
    return sender_notices(returns, read_collect_log(collect_log_path(project)))


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for the block.

    A merge builds millions of small objects that live until it ends (the returns read, the
    register, the cells of the workbooks); the collector would walk them again and again as
    they grow, a third of the merge's time. Reference counting still frees everything else.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def confirm(project: Project, names: list[str]) -> list[tuple[str, Werkzeug]]:
    """Record that the office confirmed these returns in ``eingang/``, matched by title, as genuine.

    Each must be a readable return without its identity whose title names a Werkzeug of the
    catalogue; returns (file, Werkzeug) for each. Nothing is recorded unless all can be.
    """
    form = project.read_form()
    by_title = load_catalogue(project.catalogue_path).by_title()
    confirmations = read_confirmations(project.confirmations)
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    confirmed = []
    for name in names:
        path = project.inbox / name
        if not path.is_file() or project.inbox.resolve() not in path.resolve().parents:
            raise ProjectError(text("confirm.no_such_file", path=path, inbox=project.inbox))
        raw, = read_many([path])
        if isinstance(raw, Unreadable):
            raise ProjectError(text("confirm.unreadable", path=path, reason=raw.reason))
        if raw.meta.get("form_id"):
            raise ProjectError(text("confirm.has_identity", path=path))
        werkzeug = match_by_title(raw, form, by_title)
        if werkzeug is None:
            raise ProjectError(text("confirm.no_title_match", path=path))
        confirmations.append(Confirmation(name, raw.sha256, werkzeug.werkzeug_id, now))
        confirmed.append((name, werkzeug))
    write_confirmations(project.confirmations, confirmations)
    return confirmed


def display_name(name: str | Path) -> str:
    """A file name as text a workbook can hold: names that are not UTF-8 (Windows zip tools write
    cp1252) are decoded as cp1252, undecodable bytes shown as �."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def read_register(project: Project, answers: bool = True):
    """The register as last written by merge (a DataFrame keyed as the register), or None before any merge;
    its choices in the labels of the project's form language, whichever language merge wrote them in.
    Without ``answers`` the form is not read: the catalogue and provenance columns (status, file, ...) are
    exact, the answers as master.xlsx shows them."""
    if not project.master_path.is_file():
        return None
    frame = read_sheet(project.master_path, REGISTER_SHEET)
    if not answers:
        return frame
    form, written = _forms_of_master(project)
    return from_readable(frame, written.questions, None if written is form else form)


def read_repeats(project: Project):
    """The rows of the form's repeats as last written by merge (a DataFrame keyed as
    :attr:`~werkstatt_xl.register.Register.repeats`), or None before any merge or for a form without repeats."""
    form = project.read_form()
    if not project.master_path.is_file() or not form.repeats:
        return None
    form, written = _forms_of_master(project, form)
    return from_readable(read_sheet(project.master_path, REPEATS_SHEET), written.repeat_questions,
                         None if written is form else form)


def _forms_of_master(project: Project, form: Form | None = None) -> tuple[Form, Form]:
    """The project's form (``form`` where loaded already) and the form in the language master.xlsx was
    written in (the same where they agree, or master.xlsx does not say)."""
    form = form or project.read_form()
    language = read_form_language(project.master_path)
    if language is None or language == form.language:
        return form, form
    try:
        return form, project.read_form(language)
    except FormError:
        raise ProjectError(text("master.language_gone", path=project.master_path, language=language or "-",
                                form=project.form_path)) from None


def _languages_of(project: Project, form: Form) -> Callable[[str], Form]:
    """``form_in(language)``: the project's form in another of its languages, each read once; ``form`` for a
    language it does not have (the return's metadata were changed: its answers are checked as they are)."""
    @functools.cache
    def form_in(language: str) -> Form:
        try:
            return project.read_form(language)
        except FormError:
            return form

    return form_in


def read_problems(project: Project) -> list[dict]:
    """The problems of the last merge as dicts keyed like :class:`Problem` (empty before any merge)."""
    if not project.master_path.is_file():
        return []
    return read_sheet(project.master_path, PROBLEMS_SHEET).to_dict("records")


def _write_tabelle1(register, definition, report: Path, edits: Path, overrides: Overrides, title: str,
                    changed: frozenset[str] | None = None) -> None:
    """Tabelle 1 with the office's texts, and redaktion.xlsx with the texts from the answers beside them."""
    write_report(register, definition, report, title, overrides.texts, changed)
    write_overrides(edits, printed_remarks(register, definition), overrides, definition.remarks_header, title)


def _both(first: Callable, second: Callable, parallel: bool) -> tuple:
    """The results of two independent writers, the second in a forked process when ``parallel``."""
    if not parallel:
        return first(), second()
    with forked_pool(1) as executor:
        pending = executor.submit(second)
        return first(), pending.result()
