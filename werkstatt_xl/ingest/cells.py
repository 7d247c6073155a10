"""Reading values with calamine, once the guards passed: answer and metadata markers on every worksheet."""

from __future__ import annotations

import functools
import io
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from ..anchors import ANSWER_MARKER, META_PREFIX, cell_name, parse_marker
from ..messages import Code, text
from .common import _Rejected


@dataclass(frozen=True)
class CellError:
    """An error value (``#REF!``, ``#DIV/0!``) where an answer belongs, as the file writes it."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class CellFormula:
    """A formula without a value where an answer belongs (as openpyxl writes one: calamine reads it as
    empty), with its text as the file writes it, without the leading ``=`` ("" where the format stores
    no text: .xls)."""

    formula: str

    def __str__(self) -> str:
        return "=" + self.formula if self.formula else "(Formel)"


@dataclass(frozen=True)
class CellValue:
    """One answer and where it was found."""

    value: object
    """As calamine returns it (str, int, float, bool, date, datetime, time, timedelta); empty -> None;
    an error value, which calamine reads as empty, -> :class:`CellError`; a formula without a value
    -> :class:`CellFormula`."""
    sheet: str
    cell: str
    """A1 address of the answer cell, the one left of the marker."""
    formula: str | None = None
    """The cell's formula (as :attr:`CellFormula.formula`) when ``value`` is the result it last computed."""

    def __reduce__(self):
        """Pickled as its fields, compactly: readers send thousands of them to the merging process."""
        return CellValue, (self.value, self.sheet, self.cell, self.formula)


@dataclass
class _Markers:
    meta: dict[str, str]
    answers: dict[str, CellValue]
    notices: list[tuple[Code, str]]
    copies: list[tuple[str, CellValue]] = field(default_factory=list)


def _notice(code: Code, **values: object) -> tuple[Code, str]:
    return code, text(code, **values)


def _read_markers(data: bytes, errors: dict[int, Mapping[tuple[int, int], str]],
                  formulas: dict[int, Mapping[tuple[int, int], str]]) -> _Markers:
    """Scan every worksheet, hidden ones included, for answer and metadata markers.

    ``errors`` are the error values and ``formulas`` the formula cells the guards found, by sheet index
    and 0-based (row, column).
    """
    markers = _Markers({}, {}, [])
    try:
        with _quiet_stderr(), CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            for index, sheet_info in enumerate(workbook.sheets_metadata):
                if sheet_info.typ == SheetTypeEnum.WorkSheet:
                    sheet = workbook.get_sheet_by_name(sheet_info.name)
                    _collect(markers, sheet.name, sheet.start or (0, 0), sheet.to_python(), errors.get(index, {}),
                             formulas.get(index, {}))
    except CalamineError as error:
        raise _Rejected(Code.FILE_UNREADABLE_TABLE) from error
    except BaseException as error:  # a Rust panic surfaces as pyo3's PanicException, a BaseException
        if type(error).__name__ != "PanicException":
            raise
        raise _Rejected(Code.FILE_UNREADABLE_TABLE) from error
    return markers


_STDERR_LOCK = threading.Lock()
"""Held while descriptor 2 is redirected, so that threads reading at once restore it in turn."""


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at the null device for the block.

    On a damaged file calamine's Rust panic hook writes "thread '<unnamed>' panicked at ..." (and a
    backtrace under RUST_BACKTRACE) straight to descriptor 2 before the panic reaches Python as an
    exception; the person merging should see only the entry on the sheet "Prüfung". The null device is
    opened once per process: a merge reads thousands of files.
    """
    with _STDERR_LOCK:
        if sys.stderr is not None:
            sys.stderr.flush()  # what Python wrote before still reaches the terminal
        try:
            saved = os.dup(2)
        except OSError:  # no descriptor 2: nothing to silence
            yield
            return
        try:
            os.dup2(_null_device(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@functools.cache
def _null_device() -> int:
    """The null device, opened for writing once (forked readers use it as inherited; programs run do not inherit it)."""
    return os.open(os.devnull, os.O_WRONLY)


_MARKER_STEM = os.path.commonprefix([ANSWER_MARKER, META_PREFIX])
"""What every marker starts with: a cheap test before ``parse_marker``."""
_STEM_LENGTH = len(_MARKER_STEM)


def _collect(markers: _Markers, sheet: str, origin: tuple[int, int], rows: list[list],
             errors: Mapping[tuple[int, int], str], formulas: Mapping[tuple[int, int], str]) -> None:
    top, left = origin
    found = [(row_offset, col_offset, row) for row_offset, row in enumerate(rows) for col_offset, cell in enumerate(row)
             if type(cell) is str and cell[:_STEM_LENGTH] == _MARKER_STEM]  # a comprehension: most cells are none
    for row_offset, col_offset, row in found:
        marker = parse_marker(row[col_offset])
        if marker is None:
            continue
        kind, name = marker
        if kind == "meta":
            value = row[col_offset + 1] if col_offset + 1 < len(row) else None
            _add_meta(markers, name, value)
        else:
            value = row[col_offset - 1] if col_offset else None
            position = (top + row_offset, left + col_offset - 1)
            error, formula = errors.get(position), formulas.get(position)
            if error is not None:
                value = CellError(error)
            elif formula is not None and (value is None or value == ""):
                value, formula = CellFormula(formula), None
            _add_answer(markers, name, sheet, *position, value, formula)


def _add_answer(markers: _Markers, name: str, sheet: str, row: int, col: int, value: object,
                formula: str | None) -> None:
    """``formula``: the cell's formula, when ``value`` is the result it computed."""
    first = markers.answers.get(name)
    if col < 0:
        markers.notices.append(_notice(Code.MARKER_IN_FIRST_COLUMN, name=name, sheet=sheet))
    elif first is not None:  # a copied entry: the form's words for it are the register's to find
        markers.copies.append((name, CellValue(None if value == "" else value, sheet, _cell_name(row, col), formula)))
    else:
        markers.answers[name] = CellValue(None if value == "" else value, sheet, _cell_name(row, col), formula)


_cell_name = functools.lru_cache(maxsize=4096)(cell_name)
"""A questionnaire's answer cells stand where they stood in the last one read."""


def _add_meta(markers: _Markers, key: str, value: object) -> None:
    """Metadata are text; a number LibreOffice turned from "3" into 3.0 reads as "3" again."""
    if key in markers.meta:
        markers.notices.append(_notice(Code.META_TWICE, key=key))
        return
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    markers.meta[key] = "" if value is None else str(value).strip()
