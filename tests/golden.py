"""Golden-file comparison of generated workbooks: structured dumps, not bytes.

After an intended change to a generated workbook, rewrite its golden file with

    WERKSTATT_XL_UPDATE_GOLDEN=1 pytest -k golden

and review the change by opening the old and the new file.
"""

import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText

UPDATE_GOLDEN = os.environ.get("WERKSTATT_XL_UPDATE_GOLDEN") == "1"


def assert_matches_golden(generated: Path, golden: Path, dump=None) -> None:
    """``generated`` equals ``golden`` by ``dump`` (default :func:`dump`); rewrites it when asked to."""
    dump = dump or globals()["dump"]
    if UPDATE_GOLDEN:
        golden.parent.mkdir(exist_ok=True)
        shutil.copyfile(generated, golden)
        pytest.skip(f"rewrote {golden}; review the change, then run the tests without WERKSTATT_XL_UPDATE_GOLDEN")
    assert golden.is_file(), "no golden file: run with WERKSTATT_XL_UPDATE_GOLDEN=1 (see tests/golden.py)"
    assert dump(generated) == dump(golden)


def _color(color) -> str | None:
    return None if color is None else str(color.rgb if color.type == "rgb" else f"{color.type}:{color.value}")


def _font(font) -> tuple:
    return (font.name, font.sz, bool(font.b), bool(font.i), _color(font.color))


def _value(value):
    if isinstance(value, CellRichText):
        return [(run.text, (run.font.rFont, run.font.sz, bool(run.font.b), bool(run.font.i), _color(run.font.color)))
                if hasattr(run, "font") else run for run in value]
    return value


def _cell(cell) -> dict:
    fill = cell.fill
    border = cell.border
    value = None if cell.value == "" else _value(cell.value)  # an empty string reads back as no value
    return {
        "value": value, "type": cell.data_type if value is not None else None, "font": _font(cell.font),
        "fill": (fill.patternType, _color(fill.fgColor)) if fill.patternType else None,
        "align": (cell.alignment.horizontal, cell.alignment.vertical, bool(cell.alignment.wrap_text)),
        "border": tuple((side.style, _color(side.color)) for side in (border.left, border.right, border.top,
                                                                       border.bottom)),
        "locked": cell.protection.locked, "number_format": cell.number_format,
    }


def _attributes(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def _sheet(sheet) -> dict:
    setup, options, margins = sheet.page_setup, sheet.print_options, sheet.page_margins
    view = sheet.sheet_view
    return {
        "state": sheet.sheet_state,
        "protection": _attributes(sheet.protection, (
            "sheet", "objects", "scenarios", "formatCells", "formatRows", "formatColumns", "insertColumns",
            "insertRows", "insertHyperlinks", "deleteColumns", "deleteRows", "selectLockedCells", "sort",
            "autoFilter", "pivotTables", "selectUnlockedCells", "password")),
        "columns": {key: (dim.min, dim.max, dim.width, dim.hidden, dim.style)
                    for key, dim in sorted(sheet.column_dimensions.items()) if dim.width or dim.hidden},
        "rows": {key: (dim.height, dim.hidden) for key, dim in sorted(sheet.row_dimensions.items())
                 if dim.height or dim.hidden},
        "cells": {cell.coordinate: _cell(cell) for row in sheet.iter_rows() for cell in row
                  if cell.value is not None or cell.has_style},
        "merged": sorted(str(merged) for merged in sheet.merged_cells.ranges),
        "validations": sorted(
            (str(v.sqref), v.type, v.operator, v.formula1, v.formula2, v.allow_blank, v.showInputMessage,
             v.showErrorMessage, v.promptTitle, v.prompt, v.errorTitle, v.error, v.errorStyle)
            for v in sheet.data_validations.dataValidation),
        "conditional_formats": sorted(
            (str(rng.sqref), rule.type, tuple(rule.formula), _color(rule.dxf.fill.bgColor if rule.dxf.fill else None),
             _font(rule.dxf.font) if rule.dxf.font else None)
            for rng in sheet.conditional_formatting for rule in rng.rules),
        "print": {
            "paper": setup.paperSize, "orientation": setup.orientation, "fit_width": setup.fitToWidth,
            "fit_height": setup.fitToHeight, "fit_to_page": sheet.sheet_properties.pageSetUpPr.fitToPage
            if sheet.sheet_properties.pageSetUpPr else None,
            "area": sheet.print_area, "centered": options.horizontalCentered, "gridlines": options.gridLines,
            "margins": (margins.left, margins.right, margins.top, margins.bottom),
            "footer": [(part.text, part.size) for part in (sheet.oddFooter.left, sheet.oddFooter.center,
                                                           sheet.oddFooter.right)],
        },
        "view": (view.showGridLines, view.tabSelected, [(s.activeCell, s.sqref) for s in view.selection]),
    }


def dump(path: Path) -> list[str]:
    """Everything a person sees or a reader relies on, one ``where: what`` line each."""
    workbook = load_workbook(path, rich_text=True)
    properties = workbook.properties
    found = {"workbook": {"sheets": workbook.sheetnames, "active": workbook.active.title,
                          "defined_names": sorted(workbook.defined_names),
                          "properties": (properties.title, properties.subject, properties.creator)}}
    found.update({f"sheet {sheet.title}": _sheet(sheet) for sheet in workbook.worksheets})
    lines = []
    for part, content in found.items():
        for key, value in content.items():
            if isinstance(value, dict):
                lines += [f"{part} / {key} / {inner}: {item!r}" for inner, item in value.items()]
            else:
                lines.append(f"{part} / {key}: {value!r}")
    return lines


