"""Fill the example returns: the seed's Tabelle 1 answered in the round's own questionnaires.

Generates the questionnaires of the example round with the package (in a temporary
project), answers each one as its department would have from ``tabelle1.csv`` and writes
them to ``eingang/``, together with the round's ``ausgabe.csv`` (the tokens they carry).

- 1 (``umsetzung``): Umsetzung, Ja/Nein.
- 8 (``fortfuehrung``): Fortführung Ja -> "Trifft zu", Nein -> "Trifft nicht zu", empty -> "k.A.".
- The Begründung goes to 1.2 when not started, else to 8.1 when not continued, else to
  "Weitere Anmerkungen". The seed publishes no other answer; those stay empty.

Answers are written by :func:`werkstatt_xl.fill.fill_questionnaire` (answer cells found by
identity; validations, protection and hidden sheets kept). Re-running reuses the tokens of
the shipped ``ausgabe.csv`` and fixed dates, so the files come out the same byte for byte
as long as form, catalogue and openpyxl are unchanged.

Run from the repository root after make_catalogue.py:  python examples/kreis-dueren/fill_returns.py
"""

import csv
import datetime as dt
import shutil
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

from openpyxl.packaging.core import DocumentProperties
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import fromstring, tostring

from werkstatt_xl.catalogue import load_catalogue
from werkstatt_xl.files import atomic_directory, atomic_path
from werkstatt_xl.fill import fill_questionnaire
from werkstatt_xl.issue_log import ISSUE_LOG, write_issue_log
from werkstatt_xl.round import generate, init_project, load_project
from werkstatt_xl.settings import CONFIG_NAME

HERE = Path(__file__).parent
ISSUED = dt.datetime(2019, 11, 15, 8, 0)
"""When the questionnaires went out (assumed; the seed gives no date)."""
RETURNED = dt.datetime(2019, 12, 10, 9, 0)
"""When the departments saved their answers (assumed: before the deadline 2019-12-13)."""
FORTFUEHRUNG = {"Ja": "Trifft zu", "Nein": "Trifft nicht zu", "": "k.A."}


def answers(row: dict[str, str]) -> dict[str, str]:
    """Question name -> answer for one line of Tabelle 1."""
    result = {"umsetzung": row["Umsetzung"], "fortfuehrung": FORTFUEHRUNG[row["Fortführung nach 2020"]]}
    reason = row["Begründung/Bemerkungen"]
    if reason and row["Umsetzung"] == "Nein":
        result["gruende_nicht_begonnen"] = reason
    elif reason and row["Fortführung nach 2020"] == "Nein":
        result["gruende_beendigung"] = reason
    elif reason:
        result["anmerkungen"] = reason
    return result


def stamp(filled: Path, target: Path, department: str) -> None:
    """Copy ``filled`` to ``target`` as saved by ``department`` at :data:`RETURNED`: the dates in
    ``docProps/core.xml`` and of every zip entry are fixed, so equal answers give an equal file."""
    with zipfile.ZipFile(filled) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == ARC_CORE:
                properties = DocumentProperties.from_tree(fromstring(data))
                properties.created, properties.modified, properties.lastModifiedBy = ISSUED, RETURNED, department
                data = tostring(properties.to_tree())
            archive.writestr(zipfile.ZipInfo(entry.filename, RETURNED.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)


def main() -> None:
    with (HERE / "tabelle1.csv").open(encoding="utf-8", newline="") as handle:
        tabelle1 = {row["Werkzeug"]: answers(row) for row in csv.DictReader(handle)}
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary) / "runde"
        init_project(root)
        # The example files of this source tree, not the installed copies, which may be older.
        for name in (CONFIG_NAME, "katalog.xlsx"):
            shutil.copyfile(HERE / name, root / name)
        if (HERE / ISSUE_LOG).exists():  # keep the tokens the shipped returns carry
            shutil.copyfile(HERE / ISSUE_LOG, root / "ausgang" / ISSUE_LOG)
        project = load_project(root)
        issued = generate(project).issued
        departments = {werkzeug.werkzeug_id: werkzeug.fachamt
                       for werkzeug in load_catalogue(project.catalogue_path).werkzeuge}
        filled = Path(temporary) / "filled.xlsx"
        with atomic_directory(HERE / "eingang") as inbox:
            for entry in issued:
                fill_questionnaire(project.outbox / entry.file, tabelle1[entry.werkzeug], filled)
                stamp(filled, inbox / entry.file, departments[entry.werkzeug_id])
        with atomic_path(HERE / ISSUE_LOG) as log:
            write_issue_log(log, [replace(entry, issued_at=ISSUED.isoformat() + "+00:00")
                                   for entry in issued])
    print(f"{len(issued)} returns in {HERE / 'eingang'}, tokens in {HERE / ISSUE_LOG}")


if __name__ == "__main__":
    main()
