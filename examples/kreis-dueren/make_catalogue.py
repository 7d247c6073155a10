"""Build the example catalogue ``katalog.xlsx`` from the seed's Tabelle 1 (``tabelle1.csv``).

The seed lists the 55 Werkzeuge per Handlungsfeld but names no contacts, pages or
addresses, and its colours (grün = neu, blau = bestehend) did not survive as text.
Within each Handlungsfeld the table lists two alphabetical runs; the first run is read
as "neu", the second as "bestehend" (inferred, see README.md). Fachamt and E-Mail are
placeholder role mailboxes at example.org, one per Handlungsfeld, never persons.

Run from the repository root:  python examples/kreis-dueren/make_catalogue.py
"""

import csv
from pathlib import Path

from werkstatt_xl.catalogue import COLUMNS, fold
from werkstatt_xl.xlsx import atomic_path, new_workbook

HERE = Path(__file__).parent
MAILBOXES = {
    "Fachkräfte": "fachkraefte",
    "Bildung": "bildung",
    "Gesellschaftliche Teilhabe": "teilhabe",
    "Mobilität & (Nah-)Versorgung": "mobilitaet",
    "Leben & Wohnen": "wohnen",
    "Austausch & Öffentlichkeitsarbeit": "oeffentlichkeitsarbeit",
    "Planungsinstrumente": "planung",
}


def kategorien(names: list[str]) -> list[str]:
    """"neu" for the first alphabetical run of a Handlungsfeld, "bestehend" after it breaks."""
    result, kategorie = [], "neu"
    for position, name in enumerate(names):
        if position and _sort_key(name) < _sort_key(names[position - 1]):
            kategorie = "bestehend"
        result.append(kategorie)
    return result


def _sort_key(name: str) -> str:
    return fold(name).translate(str.maketrans("äöüß", "aous"))


def main() -> None:
    with (HERE / "tabelle1.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(dict.fromkeys(row["Handlungsfeld"] for row in rows))
    with atomic_path(HERE / "katalog.xlsx") as temporary:
        workbook = new_workbook(temporary)
        sheet = workbook.add_worksheet("Katalog")
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        for column, title in enumerate(COLUMNS.values()):
            sheet.write_string(0, column, title, header)
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 32)
        sheet.set_column(2, 2, 70)
        sheet.set_column(3, 7, 16)
        sheet.set_column(7, 7, 36)
        row = 1
        for field in fields:
            members = [entry["Werkzeug"] for entry in rows if entry["Handlungsfeld"] == field]
            for name, kategorie in zip(members, kategorien(members)):
                values = {"werkzeug_id": f"W{row:02d}", "handlungsfeld": field, "werkzeug": name,
                          "kategorie": kategorie, "seite": "",
                          "fachamt": f"Fachamt {field}", "ansprechpartner": "",
                          "email": f"{MAILBOXES[field]}@example.org"}
                for column, key in enumerate(COLUMNS):
                    sheet.write_string(row, column, values[key])
                row += 1
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, row - 1, len(COLUMNS) - 1)
        workbook.close()


if __name__ == "__main__":
    main()
