"""Workbooks: reading the ones a person edits, writing ones that never turn text into formulas."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import traceback
import zipfile
from pathlib import Path

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellNumberTuple,
    CellRichStringTuple,
    CellStringTuple,
    Worksheet,
)

from .messages import text

MAX_CELL_TEXT = 32767
"""The most UTF-16 code units a cell holds in Excel."""

SAFE_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}
"""XlsxWriter options for anything that holds untrusted text: ``=HYPERLINK(..)`` stays text."""


def read_workbook_rows(path: Path, first_only: bool = False, sheet: str | None = None) -> dict[str, list[list]]:
    """Sheet name -> rows of cell values of the workbooks we or a person edit (catalogue, form, master.xlsx):
    every sheet, the first only, or the one named ``sheet``.

    Read with python-calamine (fast, no openpyxl import): empty cells are ``None``, integral
    numbers ``int``. Raises ``ValueError`` with a reason when the file is no readable workbook
    or lacks the sheet.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several types for files that are no workbook
        raise ValueError(_reason(error)) from None
    try:
        if sheet is not None and sheet not in workbook.sheet_names:
            raise ValueError(text("xlsx.no_sheet", sheet=sheet))
        names = workbook.sheet_names[:1] if first_only else [sheet] if sheet else workbook.sheet_names
        return {name: [[_plain(value) for value in row]
                       for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in names}
    except Exception as error:  # a damaged part surfaces only when its sheet is read
        raise ValueError(_reason(error)) from None
    finally:
        workbook.close()


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _plain(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def text_length(text: str) -> int:
    """The length of ``text`` as Excel counts it: UTF-16 code units (an emoji counts twice)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def fit_cell(text: str, marker: str = "") -> str:
    """``text`` as a cell holds it (:data:`MAX_CELL_TEXT` UTF-16 code units): whole if it fits, else its
    longest start that fits with ``marker`` appended to show it was shortened."""
    if text_length(text) <= MAX_CELL_TEXT:
        return text
    room = 2 * (MAX_CELL_TEXT - text_length(marker))
    return text.encode("utf-16-le")[:room].decode("utf-16-le", "ignore") + marker


class TextTooLong(ValueError):
    """A text longer than a cell holds reached a writer: callers check :func:`text_length` first."""


_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
_CLASSIC_FUNCTIONS = frozenset({
    "ABS", "AND", "CHAR", "COUNTA", "FALSE", "FIND", "IF", "IFERROR", "INDEX", "INT", "ISNA", "ISNUMBER", "LEFT",
    "LEN", "MATCH", "MAX", "MID", "MIN", "MOD", "NOT", "NOW", "OFFSET", "OR", "POWER", "RIGHT", "ROUND", "TEXT",
    "TODAY", "TRUE", "TRUNC", "VALUE"})
"""Functions of Excel 2007 our formulas use: XlsxWriter need not look for newer ones to prefix them."""


_KEPT = 20000
"""The most entries each of the caches below holds (each is emptied when full)."""


def _keep(cache: dict, key, value) -> None:
    """``cache[key] = value``, emptying the cache first when it holds :data:`_KEPT` entries."""
    if len(cache) >= _KEPT:
        cache.clear()
    cache[key] = value


_RICH_STRINGS: dict[tuple, tuple[str, str]] = {}
"""Rich strings written: (text and font of each run) -> (their XML, the plain text)."""
_VALIDATIONS: dict[int, tuple[dict, dict]] = {}
"""Data validations checked: id of the options given -> (those options, the validation as XlsxWriter keeps it,
marked with a number of its own under :data:`_RULE`)."""
_PLAIN_CELLS = frozenset({CellBlankTuple, CellNumberTuple, CellDatetimeTuple, CellStringTuple, CellRichStringTuple})
"""The kinds of cell :meth:`TextSafeWorksheet._write_cell` writes itself."""
_RULE = "_werkstatt_rule"
_RULE_NUMBERS = itertools.count()
_VALIDATION_XML: dict[tuple, str] = {}
"""The XML of data validations written: (number of the checked options, cells) -> ``<dataValidation ...>``."""


class TextSafeWorksheet(Worksheet):
    """A worksheet that writes every string as the text it is, never as markup, never cut.

    XlsxWriter stores a string that starts with ``<r>`` and ends with ``</r>`` as rich-text XML
    without escaping it, so one such answer would corrupt the shared strings of the whole
    workbook. Such a string is written as a rich string of two plain runs instead, which every
    reader joins back into the same text. A string longer than a cell holds raises
    :class:`TextTooLong` where XlsxWriter would silently cut it.
    """

    def _write_string(self, row, col, string, cell_format=None):
        if len(string) > MAX_CELL_TEXT // 2 and text_length(string) > MAX_CELL_TEXT:
            raise TextTooLong(f"a text of {text_length(string)} characters does not fit a cell")
        if string.startswith("<r>") and string.endswith("</r>"):
            runs = (string[:1], cell_format or Format(), string[1:])
            return self.write_rich_string(row, col, *runs, *([cell_format] if cell_format else []))
        if self.constant_memory or self._check_dimensions(row, col):
            return super()._write_string(row, col, string, cell_format)
        self.table[row][col] = CellStringTuple(self.str_table._get_shared_string_index(string), cell_format)
        return 0

    def write_text(self, row: int, col: int, string: str, cell_format: Format | None = None) -> int:
        """``write_string`` by row and column number only (no "A1"): for tables of many cells."""
        return self._write_string(row, col, string, cell_format)

    def _write_rich_string(self, row, col, *args):
        """XlsxWriter's rich string, its XML built once per text and fonts: a questionnaire's rich labels are
        the same in every Werkzeug's workbook."""
        tokens, cell_format = (args[:-1], args[-1]) if args and isinstance(args[-1], Format) else (args, None)
        key = tuple((token._get_font_key(), token.font_scheme, token.hyperlink) if isinstance(token, Format)
                    else token for token in tokens)
        cached = _RICH_STRINGS.get(key)
        if cached is None or self.constant_memory:
            result = super()._write_rich_string(row, col, *args)
            if result == 0 and not self.constant_memory:
                _keep(_RICH_STRINGS, key, (self.rstring.fh.getvalue(), self.table[row][col].raw_string))
            return result
        if self._check_dimensions(row, col):
            return -1
        string, raw_string = cached
        self.table[row][col] = CellRichStringTuple(self.str_table._get_shared_string_index(string), cell_format,
                                                   raw_string)
        return 0

    def data_validation(self, first_row, first_col, last_row=None, last_col=None, options=None):
        """XlsxWriter's data validation, the checks and defaults of one ``options`` dict (a questionnaire
        passes the same dict for a question in every Werkzeug's workbook) worked out once."""
        cached = _VALIDATIONS.get(id(options))
        if cached is None or cached[0] is not options or not isinstance(first_row, int) or \
                self._check_dimensions(first_row, first_col) or self._check_dimensions(last_row, last_col):
            count = len(self.validations)
            result = super().data_validation(first_row, first_col, last_row, last_col, options)
            if result == 0 and isinstance(options, dict) and len(self.validations) == count + 1:
                checked = self.validations[-1]
                checked[_RULE] = next(_RULE_NUMBERS)
                rule = {key: value for key, value in checked.items() if key != "cells"}
                _keep(_VALIDATIONS, id(options), (options, rule))
            return result
        self.validations.append({**cached[1], "cells": [[first_row, first_col, last_row, last_col]]})
        return 0

    def _write_data_validation(self, options):
        """XlsxWriter's ``<dataValidation>``, its XML built once per checked options and cells: every
        Werkzeug's questionnaire of a round has the same rules in the same cells."""
        rule = options.get(_RULE)
        if rule is None:
            return super()._write_data_validation(options)
        key = (rule, tuple(map(tuple, options["cells"])))
        xml = _VALIDATION_XML.get(key)
        if xml is None:
            target, self.fh = self.fh, io.StringIO()
            try:
                super()._write_data_validation(options)
                xml = self.fh.getvalue()
            finally:
                self.fh = target
            _keep(_VALIDATION_XML, key, xml)
        self.fh.write(xml)

    def _write_cell(self, row, col, cell):
        """XlsxWriter's ``<c>`` element, written directly for the cells a questionnaire has by the thousand (a
        shared string, a blank, a number): the same XML without its generic attribute loop and escaping, which
        a cell reference and a style number never need."""
        kind = cell.__class__
        if kind not in _PLAIN_CELLS or self.constant_memory:
            return super()._write_cell(row, col, cell)
        cell_format = cell.format
        if cell_format is None:
            row_info = self.row_info.get(row)
            if row_info is not None and row_info.row_format:
                cell_format = row_info.row_format
            elif col in self.col_info:
                cell_format = self.col_info[col].column_format
        style = "" if cell_format is None else f' s="{cell_format._get_xf_index()}"'
        reference = xl_rowcol_to_cell_fast(row, col)
        if kind is CellBlankTuple:
            self.fh.write(f'<c r="{reference}"{style}/>')
        elif kind is CellNumberTuple or kind is CellDatetimeTuple:
            self.fh.write(f'<c r="{reference}"{style}><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{reference}"{style} t="s"><v>{cell.string}</v></c>')

    def _prepare_formula(self, formula, expand_future_functions=False):
        """XlsxWriter's preparation, whose hundred searches for newer functions (to prefix them) run only where
        a formula calls another function than :data:`_CLASSIC_FUNCTIONS`, those our formulas use."""
        if not set(_FUNCTION.findall(formula)) <= _CLASSIC_FUNCTIONS:
            return super()._prepare_formula(formula, expand_future_functions)
        formula = formula[1:] if formula.startswith("{") else formula
        formula = formula[1:] if formula.startswith("=") else formula
        return formula[:-1] if formula.endswith("}") else formula

    def _get_range_data(self, row_start, col_start, row_end, col_end):
        """The cells a chart caches; XlsxWriter leaves out rich strings, which would shift every later
        category of the chart by one, so their text is put in its place."""
        data = iter(super()._get_range_data(row_start, col_start, row_end, col_end))
        cells = []
        for row in range(row_start, row_end + 1):
            if row not in self.table:
                cells.append(next(data))
                continue
            for column in range(col_start, col_end + 1):
                cell = self.table[row].get(column)
                cells.append(cell.raw_string if isinstance(cell, CellRichStringTuple) else next(data))
        return cells


_SHARED_STRING_XML: dict[str, str] = {}
"""The ``<si>`` XML of shared strings written: labels, rules' words and answer markers, the same in every
questionnaire of a round."""
_SHARED_STRING_KEPT_LENGTH = 500
"""Longer strings are not kept (they are rare, and would make the cache large)."""


class _SharedStrings(SharedStrings):
    def _write_si(self, string):
        """XlsxWriter's ``<si>`` element, built once per string (as XlsxWriter builds it)."""
        xml = _SHARED_STRING_XML.get(string)
        if xml is None:
            shown = self._escape_control_characters(string)
            if shown.startswith("<r>") and shown.endswith("</r>"):  # only ever our rich strings' XML
                xml = f"<si>{shown}</si>"
            else:
                space = ' xml:space="preserve"' if _preserve_whitespace(shown) else ""
                xml = f"<si><t{space}>{self._escape_data(shown)}</t></si>"
            if len(string) <= _SHARED_STRING_KEPT_LENGTH:
                _keep(_SHARED_STRING_XML, string, xml)
        self.fh.write(xml)


class _Packager(Packager):
    def _write_shared_strings_file(self):
        """XlsxWriter's ``sharedStrings.xml``, written by :class:`_SharedStrings`."""
        if not self.workbook.str_table.count:
            return
        strings = _SharedStrings()
        strings.string_table = self.workbook.str_table
        strings._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        strings._assemble_xml_file()


class TextSafeWorkbook(xlsxwriter.Workbook):
    worksheet_class = TextSafeWorksheet

    def _get_packager(self):
        return _Packager()

    def close(self) -> None:
        """Save the workbook; a full disk or a refused write raises the ``OSError`` behind it, which
        :func:`~werkstatt_xl.files.atomic_path` turns into a message, instead of XlsxWriter's own error."""
        try:
            super().close()
        except FileCreateError as error:
            cause = error.args[0] if error.args and isinstance(error.args[0], OSError) else OSError(str(error))
            _close_zip_files(cause.__traceback__)
            raise cause.with_traceback(None) from None
        # each sheet holds the workbook's add_format, a cycle: without it the saved workbook's thousands of objects
        # are freed at once, not left to the cycle collector, which a loop writing workbooks would keep busy
        for sheet in self.worksheets_objs:
            sheet.workbook_add_format = None


def _close_zip_files(trace) -> None:
    """Close the half-written zip file XlsxWriter left open when saving failed: else Python prints an
    "Exception ignored" traceback when it is collected, on a full disk for instance."""
    for frame, _ in traceback.walk_tb(trace):
        for value in frame.f_locals.values():
            if isinstance(value, zipfile.ZipFile):
                with contextlib.suppress(OSError):
                    value.close()


def new_workbook(path: Path) -> TextSafeWorkbook:
    """A workbook for text that may come from outside: :data:`SAFE_WORKBOOK_OPTIONS`, :class:`TextSafeWorksheet`."""
    return TextSafeWorkbook(str(path), SAFE_WORKBOOK_OPTIONS)
