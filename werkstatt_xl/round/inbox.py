"""``merge``: read every returned file in ``eingang/``, build the register, write master.xlsx and Tabelle 1."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from ..catalogue import load_catalogue
from ..errors import IngestError, ProjectError
from ..form import load_form
from ..ingest import RawReturn, is_ignored, read_return
from ..issue_log import read_issue_log
from ..master import PROBLEMS_SHEET, REGISTER_SHEET, read_sheet, write_master_workbook
from ..register import (
    ReturnRecord,
    Unreadable,
    build_register,
    count_outcomes,
    register_headers,
)
from ..report import load_report_definition, write_report
from ..validate import Problem
from .project import Progress, Project

if TYPE_CHECKING:
    import pandas

PARALLEL_FROM = 100
"""From this many files on, returns are read in one process per core."""


@dataclass
class MergeResult:
    register: "pandas.DataFrame"
    problems: list[Problem]
    returns: list[ReturnRecord]
    master_path: Path
    report_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    """Files received, rejected and superseded; Werkzeuge accepted, with_problems and missing."""


def merge(project: Project, on_progress: Progress | None = None) -> MergeResult:
    """Read every file in ``eingang/``, check it, build the register and write both workbooks.

    One bad file never stops a merge: it is listed with its reason. Returned files are
    only read. master.xlsx and Tabelle 1 are written atomically.
    """
    form = load_form(project.form_path)
    catalogue = load_catalogue(project.catalogue_path)
    definition = load_report_definition(project.report_path, form)  # a broken one stops before reading
    issued = read_issue_log(project.issue_log)
    if not issued:
        raise ProjectError(f"{project.issue_log}: no questionnaires were issued in this project. "
                           "Run 'werkstatt-xl generate' first (or copy the ausgabe.csv that issued them).")
    files = returned_files(project)
    reads = ((str(path.relative_to(project.inbox)), raw) for path, raw in _read_all(files, on_progress))
    register = build_register(catalogue, form, issued, reads)
    frame = register.frame
    master_path, report_path = _both(
        partial(write_master_workbook, project.master_path, frame, register.problems, register_headers(form)),
        partial(write_report, frame, definition, project.report_workbook_path, project.title),
        parallel=len(frame) >= PARALLEL_FROM)
    return MergeResult(frame, register.problems, register.returns, master_path, report_path,
                       count_outcomes(register))


def returned_files(project: Project) -> list[Path]:
    """The files in ``eingang/`` (and its subfolders) that may be returns, in a stable order.

    Lock files, hidden and system files are left out silently.
    """
    if not project.inbox.is_dir():
        raise ProjectError(f"{project.inbox}: the folder for returned questionnaires is missing. Create it "
                           "and put the returned files into it.")
    return sorted((path for path in project.inbox.rglob("*") if not is_ignored(path) and path.is_file()),
                  key=lambda path: str(path.relative_to(project.inbox)).casefold())


def read_register(project: Project):
    """The register as last written by merge (a DataFrame keyed as the register), or None before any merge."""
    if not project.master_path.is_file():
        return None
    return read_sheet(project.master_path, REGISTER_SHEET)


def read_problems(project: Project) -> list[dict]:
    """The problems of the last merge as dicts keyed like :class:`Problem` (empty before any merge)."""
    if not project.master_path.is_file():
        return []
    return read_sheet(project.master_path, PROBLEMS_SHEET).to_dict("records")


def _read_one(path: Path) -> RawReturn | Unreadable:
    try:
        return read_return(path)
    except IngestError as error:
        return Unreadable.from_error(error)


def _read_all(paths: list[Path], on_progress: Progress | None) -> Iterator[tuple[Path, RawReturn | Unreadable]]:
    """Yield ``(path, RawReturn | Unreadable)`` in order; in parallel when it pays off."""
    workers = min(os.cpu_count() or 1, 4)
    if len(paths) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        results, executor = map(_read_one, paths), None
    else:  # fork: workers start in milliseconds and inherit the loaded modules
        executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        results = executor.map(_read_one, paths, chunksize=64)
    try:
        for done, (path, result) in enumerate(zip(paths, results), start=1):
            if on_progress:
                on_progress(done, len(paths))
            yield path, result
    finally:
        if executor:
            executor.shutdown(cancel_futures=True)


def _both(first: Callable, second: Callable, parallel: bool) -> tuple:
    """The results of two independent writers, the second in a forked process when ``parallel``."""
    if not parallel or "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return first(), second()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as executor:
        pending = executor.submit(second)
        return first(), pending.result()
