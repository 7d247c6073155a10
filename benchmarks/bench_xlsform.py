"""Time ``generate`` with a real-sized XLSForm: 300 questions of every kind a workbook renders, repeats too.

Target (issue 10): under 50 ms per questionnaire, single-threaded on one core. The shipped form
(13 questions) is timed in the same run as the baseline, and reading the form once is timed apart.

    python benchmarks/bench_xlsform.py                # figures
    python benchmarks/bench_xlsform.py --check        # exit 1 when the target is missed
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_generate import on_one_core, write_catalogue

from werkstatt_xl.form import load_form
from werkstatt_xl.round import generate, init_project
from werkstatt_xl.xlsx import new_workbook

TARGET_MS_PER_QUESTIONNAIRE = 50.0
QUESTIONS = 300
SURVEY = ("type", "name", "label", "hint", "relevant", "constraint", "calculation", "default", "choice_filter",
          "required", "repeat_count")
REPEAT_ENTRIES = "3"
"""Entries of each repeat: every fifth group of ten questions is a repeat."""


def question_rows(count: int) -> list[tuple[str, ...]]:
    """``count`` questions in groups of ten, every fifth group a repeat: every rendered type (select_multiple in
    every other group), with rules, references and filters."""
    rows: list[tuple[str, ...]] = []
    for number in range(count):
        group = number // 10
        repeat = group % 5 == 4
        if number % 10 == 0:
            rows.append(("begin repeat" if repeat else "begin group", f"g{number}", f"Abschnitt {group + 1}",
                         "", "", "", "", "", "", "", REPEAT_ENTRIES if repeat else ""))
        kind = number % 10
        name = f"q{number}"
        previous = f"q{number - 1}"
        rows.append({
            0: ("select_one bewertung", name, f"Frage {number}: Wie bewerten Sie das Werkzeug?", "", "", "", "", "",
                "", "yes"),
            1: ("select_one ja_nein", name, f"Wurde das Werkzeug umgesetzt (${{{previous}}})?", "", "", "", "", "",
                "", ""),
            2: ("text", name, f"Falls nein, warum nicht? ({number})", "Stichworte genügen",
                f"${{{previous}}} = 'nein'", "string-length(.) < 500", "", "", "", ""),
            3: ("integer", name, f"Wie viele Personen? ({number})", "", "", ". >= 0 and . < 10000", "", "0", "", ""),
            4: ("decimal", name, f"Anteil in Prozent ({number})", "", "", ". <= 100", "", "", "", ""),
            5: ("calculate", name, "", "", "", "", f"${{q{number - 2}}} * 2 + 1", "", "", ""),
            6: ("date", name, f"Seit wann? ({number})", "", "", ". <= today()", "", "", "", ""),
            7: ("select_one kreis", name, f"Welcher Kreis? ({number})", "", "", "", "", "", "", ""),
            8: ("select_one ort", name, f"Welcher Ort? ({number})", "", "", "", "", "", f"kreis=${{{previous}}}", ""),
            9: ("select_multiple kreis", name, f"Welche Kreise? ({number})", "", "", "", "", "", "", "")
            if group % 2 else ("time", name, f"Um wie viel Uhr? ({number})", "", "", "", "", "", "", ""),
        }[kind])
        if number % 10 == 9:
            rows.append(("end repeat" if repeat else "end group", "", "", "", "", "", "", "", "", ""))
    return rows


def write_form(path: Path, count: int) -> None:
    choices = [("bewertung", name, label, "") for name, label in
               (("sh", "Sehr hoch"), ("h", "Hoch"), ("n", "Niedrig"), ("ka", "k.A."))]
    choices += [("ja_nein", "ja", "Ja", ""), ("ja_nein", "nein", "Nein", "")]
    choices += [("kreis", f"k{index}", f"Kreis {index}", "") for index in range(8)]
    choices += [("ort", f"o{index}", f"Ort {index}", f"k{index % 8}") for index in range(60)]
    workbook = new_workbook(path)
    for sheet_name, header, rows in (("survey", SURVEY, question_rows(count)),
                                     ("choices", ("list_name", "name", "label", "kreis"), choices),
                                     ("settings", ("form_id", "version", "form_title"),
                                      [("gross", "1", "Großer Fragebogen")])):
        sheet = workbook.add_worksheet(sheet_name)
        for row, values in enumerate([header, *rows]):
            for column, value in enumerate(values):
                if value:
                    sheet.write_string(row, column, value)
    workbook.close()


def per_questionnaire(root: Path, count: int, form: Path | None) -> tuple[float, float]:
    """Milliseconds per questionnaire of a second ``generate`` (tokens kept) of ``count`` Werkzeuge: elapsed,
    and the process's CPU time (which other jobs on a shared machine do not inflate)."""
    project = init_project(root)
    write_catalogue(project.catalogue_path, count)
    project = project.with_overrides(title="Zwischenbilanz 2026", form=str(form) if form else None)
    generate(project)
    started, cpu = time.perf_counter(), time.process_time()
    generate(project)
    return (time.perf_counter() - started) / count * 1000, (time.process_time() - cpu) / count * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="Werkzeuge in the catalogue (default 100)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    options = parser.parse_args()
    on_one_core()
    folder = Path(tempfile.mkdtemp(prefix="bench-xlsform-"))
    try:
        form_path = folder / "gross.xlsx"
        write_form(form_path, QUESTIONS)
        started = time.perf_counter()
        form = load_form(form_path)
        reading = (time.perf_counter() - started) * 1000
        assert len(form.questions) + len(form.repeat_questions) == QUESTIONS, len(form.questions)
        assert form.repeats and any(question.type == "select_multiple" for question in form.elements)
        large = per_questionnaire(folder / "gross", options.count, form_path)
        baseline = per_questionnaire(folder / "seed", options.count, None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"generate, {options.count} Werkzeuge, one core, per questionnaire (elapsed / CPU time):")
    print(f"  form of {QUESTIONS} questions: {large[0]:6.1f} / {large[1]:6.1f} ms "
          f"(target < {TARGET_MS_PER_QUESTIONNAIRE:g} ms); reading the form once: {reading:.0f} ms")
    print(f"  shipped form (baseline):  {baseline[0]:6.1f} / {baseline[1]:6.1f} ms; "
          f"ratio {large[0] / baseline[0]:.1f} / {large[1] / baseline[1]:.1f}")
    met = large[0] < TARGET_MS_PER_QUESTIONNAIRE
    print("target met" if met else "target missed")
    return 1 if options.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
