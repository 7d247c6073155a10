"""Reading the returns in ``eingang/``, in worker processes from a hundred files on.

``merge`` starts the readers before anything else, while the rest of the round's modules and pandas
load (a fifth of a second): this module imports no more than reading needs, and ``werkstatt_xl.round``
loads its other modules only when they are asked for.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import IngestError, ProjectError
from ..ingest import SIDE_BY_SIDE, RawReturn, Unreadable, is_ignored_name, read_returns
from ..messages import text
from ..settings import CONFIG_NAME

INBOX = "eingang"
"""The folder of a project that holds the returned files."""
PARALLEL_FROM = 100
"""From this many returns on, they are read in one process per core, and Tabelle 1 is written in a process of
its own while master.xlsx is (see :func:`in_parallel`)."""

Progress = Callable[[int, int], None]
"""``on_progress(done, total)``: called after each item of a long step, for a progress bar."""


@dataclass(frozen=True)
class Reads:
    """The returns of ``inbox`` being read: ``results`` yields each file with what it says, in the order of
    :func:`returned_files`."""

    inbox: Path
    results: Iterator[tuple[Path, RawReturn | Unreadable]]


@contextlib.contextmanager
def reading_project(root: Path, on_progress: Progress | None = None) -> Iterator[Reads | None]:
    """:func:`reading_inbox` of the project in ``root``; None where ``root`` is no project folder (no
    ``werkstatt.toml``: loading it says so)."""
    root = Path(root).resolve()
    if not (root / CONFIG_NAME).is_file():
        yield None
        return
    with reading_inbox(root / INBOX, on_progress) as reads:
        yield reads


@contextlib.contextmanager
def reading_inbox(inbox: Path, on_progress: Progress | None = None) -> Iterator[Reads]:
    """Start reading the returns in ``inbox`` at once (none where it is missing: merge says so, in its turn).
    The readers end when the results are exhausted, or with the block."""
    with reading(returned_files(inbox) if inbox.is_dir() else [], on_progress) as results:
        yield Reads(inbox, results)


def returned_files(inbox: Path) -> list[Path]:
    """The files in ``inbox`` (and its subfolders) that may be returns, in a stable order.

    Lock files, hidden and system files are left out silently.
    """
    require_inbox(inbox)
    found: list[tuple[str, Path]] = []
    folders = [inbox]
    start = name_start(inbox)
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:  # the types come with the names: no stat per file
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    elif not is_ignored_name(entry.name) and entry.is_file():
                        found.append((entry.path[start:].casefold(), Path(entry.path)))
        except PermissionError:  # a folder no one may read holds no returns
            continue
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def require_inbox(inbox: Path) -> None:
    if not inbox.is_dir():
        raise ProjectError(text("merge.no_inbox", path=inbox))


def name_start(inbox: Path) -> int:
    """Where a file's name below ``inbox`` starts in the path :func:`returned_files` built for it
    (slicing: ``Path.relative_to`` costs 30 µs a file)."""
    return len(str(inbox)) + 1


def read_many(paths: list[Path]) -> list[RawReturn | Unreadable]:
    """What each file says, or why it cannot be read (see :func:`~werkstatt_xl.ingest.read_returns`)."""
    return [Unreadable.from_error(outcome) if isinstance(outcome, IngestError) else outcome
            for outcome in read_returns(paths)]


@contextlib.contextmanager
def reading(paths: list[Path], on_progress: Progress | None
            ) -> Iterator[Iterator[tuple[Path, RawReturn | Unreadable]]]:
    """Start reading ``paths`` at once, in parallel when it pays off; yields an iterator of
    ``(path, RawReturn | Unreadable)`` in order. The readers end when it is exhausted, or with the block."""
    groups = [paths[start:start + SIDE_BY_SIDE] for start in range(0, len(paths), SIDE_BY_SIDE)]
    if not in_parallel(len(paths)):
        yield _in_order(paths, itertools.chain.from_iterable(map(read_many, groups)), on_progress)
        return
    executor = forked_pool(min(os.cpu_count() or 1, 4))  # fork: workers start in milliseconds, inherit the modules
    try:  # four groups (64 files) a task
        results = itertools.chain.from_iterable(executor.map(read_many, groups, chunksize=4))
        yield _in_order(paths, results, on_progress, executor)
    finally:
        executor.shutdown(cancel_futures=True)


def _in_order(paths: list[Path], results: Iterator[RawReturn | Unreadable], on_progress: Progress | None,
              executor: ProcessPoolExecutor | None = None) -> Iterator[tuple[Path, RawReturn | Unreadable]]:
    """Each path with its result, progress told; ``executor``, the readers, shut down once all are read (before
    merge forks its writer)."""
    try:
        for done, (path, result) in enumerate(zip(paths, results), start=1):
            if on_progress:
                on_progress(done, len(paths))
            yield path, result
    finally:
        if executor:
            executor.shutdown(cancel_futures=True)


def in_parallel(count: int) -> bool:
    """Whether work on ``count`` files or rows is worth processes of their own: from :data:`PARALLEL_FROM` on,
    where there are two cores or more and processes can be forked."""
    return count >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes forked from this one, which end when it ends, however it ends."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(),))


def _start_worker(parent: int) -> None:
    """Ask Linux to kill this worker when its parent dies (a killed merge leaves no readers behind), and pause
    the cycle collector: it would walk every object inherited from the parent again and again (a twentieth of
    the readers' time) while what a worker makes for one file is freed by reference counting."""
    gc.disable()
    with contextlib.suppress(OSError, AttributeError):  # not Linux: workers end when the pool's pipes close
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1
