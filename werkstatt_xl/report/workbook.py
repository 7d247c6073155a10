"""Tabelle 1 as a workbook: the table sheet, grouped by Handlungsfeld, and the chart sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..layout import LANDSCAPE, Rows, column_pixels, page_setup, row_height, text_height, wrapped_lines
from ..xlsx import new_workbook
from .charts import chart_sections, write_chart_sheet
from .definition import HANDLUNGSFELD, KATEGORIE, RUECKLAUF, ReportDefinition
from .styles import BOLD, GAP, REMARKS_WIDTH, TEXT, WERKZEUG_WIDTH, X_WIDTH, Styles
from .table import tabelle1


def write_report(register, definition: ReportDefinition, path: Path, title: str = "",
                 texts: Mapping[str, str] | None = None, changed: frozenset[str] | None = None) -> Path:
    """Write the Tabelle 1 workbook (sheets Tabelle 1 and Auswertung) to ``path``, a new file (the caller
    writes it atomically, see :func:`~werkstatt_xl.files.atomic_path`); ``texts`` are the office's texts
    for the remarks column by Werkzeug-ID (see :func:`~werkstatt_xl.report.tabelle1`). Where the definition
    says ``[changes] mark = true``, the rows of the Werkzeug-IDs in ``changed`` are marked, and the legend says
    what the mark means; None: the round has no previous one, nothing to mark."""
    table = tabelle1(register, definition, texts)
    marks = definition.changes is not None and changed is not None
    marked = frozenset(register.loc[register["werkzeug_id"].isin(changed), "werkzeug"]) if marks else None
    sections = chart_sections(register, definition)
    path = Path(path)
    workbook = new_workbook(path)
    workbook.set_properties({"title": definition.title, "subject": title, "author": "werkstatt-xl"})
    styles = Styles(workbook, definition)
    _write_table_sheet(workbook.add_worksheet(definition.sheet), styles, table, definition, title, marked)
    write_chart_sheet(workbook, styles, sections, definition, title)
    workbook.close()
    return path


def _write_table_sheet(sheet, styles: Styles, table, definition: ReportDefinition, title: str,
                       marked: frozenset[str] | None = None) -> None:
    """The table, grouped by Handlungsfeld; the rows of the Werkzeuge ``marked`` as changed (None: no marks)."""
    rows = Rows(sheet)
    widths = [WERKZEUG_WIDTH, *[X_WIDTH] * (2 * len(definition.yes_no)), REMARKS_WIDTH]
    last_column = len(widths) - 1
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    if last_column > 1:
        sheet.merge_range(0, 0, 0, last_column - 1, definition.title, styles.title)
    else:
        sheet.write_string(0, 0, definition.title, styles.title)
    legend = []
    for kategorie in definition.kategorien:
        legend += [styles.swatch[kategorie.name], "   \u25a0 ", styles.legend, kategorie.text]
    if marked is not None:
        legend += [styles.changed_swatch, "   \u25a0 ", styles.legend, definition.changes.text]
    sheet.write_rich_string(0, last_column, *legend, styles.legend)
    rows.set(0, 24)
    rows.set(1, GAP)
    row, blocks = 2, []
    for handlungsfeld, block in table.groupby(HANDLUNGSFELD, sort=False):
        first = row
        sheet.merge_range(row, 0, row, last_column, handlungsfeld, styles.band)
        rows.set(row, 17)
        row = _write_table_header(sheet, rows, styles, row + 1, definition)
        for record in block.to_dict("records"):
            _write_table_row(sheet, rows, styles, row, record, definition, widths,
                             marked is not None and record[definition.werkzeug_header] in marked)
            row += 1
        rows.set(row, GAP)
        blocks.append((first, row))
        row += 1
    page_setup(rows, LANDSCAPE, row - 2, last_column, sum(map(column_pixels, widths)), title, definition.page, blocks,
               repeated=2)


def _write_table_header(sheet, rows: Rows, styles: Styles, row: int, definition: ReportDefinition) -> int:
    last_column = 2 * len(definition.yes_no) + 1
    sheet.merge_range(row, 0, row + 1, 0, definition.werkzeug_header, styles.header_left)
    lines = 1
    for position, column in enumerate(definition.yes_no):
        first = 1 + 2 * position
        sheet.merge_range(row, first, row, first + 1, column.header, styles.header)
        sheet.write_string(row + 1, first, definition.yes, styles.header)
        sheet.write_string(row + 1, first + 1, definition.no, styles.header)
        lines = max(lines, wrapped_lines(column.header, 2 * X_WIDTH, BOLD))
    sheet.merge_range(row, last_column, row + 1, last_column, definition.remarks_header, styles.header_left)
    rows.set(row, row_height((lines, BOLD)))
    rows.set(row + 1, row_height((1, BOLD)))
    return row + 2


def _write_table_row(sheet, rows: Rows, styles: Styles, row: int, record: dict, definition: ReportDefinition,
                     widths: list[float], changed: bool = False) -> None:
    werkzeug = record[definition.werkzeug_header]
    mark, remark = (styles.changed_mark, styles.changed_text) if changed else (styles.mark, styles.text)
    sheet.write_text(row, 0, werkzeug, styles.werkzeug.get(record[KATEGORIE], styles.text))
    for position, column in enumerate(definition.yes_no):
        for offset, value in enumerate((definition.yes, definition.no)):
            if record[column.header] == value:
                sheet.write_text(row, 1 + 2 * position + offset, "X", mark)
            else:
                sheet.write_blank(row, 1 + 2 * position + offset, None, mark)
    remarks = record[definition.remarks_header]
    if (record[RUECKLAUF] in definition.no_return_statuses and remarks == definition.no_return_text
            or remarks == definition.open_query):
        sheet.write_text(row, len(widths) - 1, remarks, styles.no_return)
    elif remarks:
        sheet.write_text(row, len(widths) - 1, remarks, remark)
    else:
        sheet.write_blank(row, len(widths) - 1, None, remark)
    rows.set(row, max(text_height(widths[0], (werkzeug, TEXT)), text_height(widths[-1], (remarks, TEXT))))
