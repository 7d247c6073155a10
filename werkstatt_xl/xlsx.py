"""Workbooks: reading the ones a person edits, writing ones that never turn text into formulas."""

from __future__ import annotations

from pathlib import Path

SAFE_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}
"""XlsxWriter options for anything that holds untrusted text: ``=HYPERLINK(..)`` stays text."""


def read_workbook_rows(path: Path, first_only: bool = False) -> dict[str, list[list]]:
    """Sheet name -> rows of cell values, for the workbooks a person edits (catalogue, form).

    Read with python-calamine (fast, no openpyxl import): empty cells are ``None``, integral
    numbers ``int``. Raises ``ValueError`` with a reason when the file is no readable workbook.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several types for files that are no workbook
        raise ValueError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None
    try:
        names = workbook.sheet_names[:1] if first_only else workbook.sheet_names
        return {name: [[_plain(value) for value in row]
                       for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in names}
    finally:
        workbook.close()


def _plain(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def new_workbook(path: Path):
    """An XlsxWriter workbook with :data:`SAFE_WORKBOOK_OPTIONS`."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), SAFE_WORKBOOK_OPTIONS)


def column_letter(index: int) -> str:
    """0 -> ``A``, 27 -> ``AB``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_name(row: int, column: int, absolute: bool = False) -> str:
    """Zero-based ``(row, column)`` -> ``C12`` (or ``$C$12``)."""
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letter(column)}{dollar}{row + 1}"
