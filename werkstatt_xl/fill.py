"""Fill a questionnaire programmatically, as a department would: for examples, tests, benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from .anchors import TICK, answer_key, parse_marker
from .files import atomic_path


def fill_questionnaire(source: Path, answers: Mapping[str, object], target: Path) -> Path:
    """Write ``answers`` (question name -> value) into the answer cells of ``source``, save as ``target``.

    Answer cells are found by identity, the cell left of each ``wxl:<key>`` marker; a key the
    questionnaire does not have is an error. Keys are answer keys (:func:`~werkstatt_xl.anchors.answer_key`):
    ``name``, ``name@2`` for entry 2 of a repeat, ``name#choice`` for a choice's tick cell; a
    select_multiple may also be given as the list of its chosen names (``{"modes": ["rad", "fuss"]}``),
    which ticks each with "x".
    """
    from openpyxl import load_workbook

    workbook = load_workbook(source, rich_text=True)  # keeps the small grey "nur auszufüllen" notes
    cells = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                marker = parse_marker(cell.value)
                if marker and marker[0] == "answer" and cell.column > 1:
                    cells.setdefault(marker[1], sheet.cell(row=cell.row, column=cell.column - 1))
    answers = _ticks_spelled_out(answers)
    unknown = sorted(set(answers) - set(cells))
    if unknown:
        raise KeyError(f"{source.name} has no answer cell for {', '.join(unknown)}")
    for name, value in answers.items():
        cells[name].value = value
        if isinstance(value, str):
            cells[name].data_type = "s"  # typed text, even when it looks like a formula
    with atomic_path(target) as temporary:
        workbook.save(temporary)
    return target


def _ticks_spelled_out(answers: Mapping[str, object]) -> dict[str, object]:
    """``{"modes": ["rad"]}`` -> ``{"modes#rad": "x"}``; other answers as they are."""
    spelled: dict[str, object] = {}
    for key, value in answers.items():
        if isinstance(value, (list, tuple)):
            spelled.update({answer_key(key, choice=choice): TICK for choice in value})
        else:
            spelled[key] = value
    return spelled
