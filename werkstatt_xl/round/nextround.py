"""The next round from this one (``init NEW --from OLD``), and what a project knows of its previous round.

``init --from`` builds the new project folder aside and swaps it in only when complete: the old round's
catalogue (its Werkzeug-IDs stored), templates (the form's version counted up) and settings (the new
round's values in ``[round]``), and in ``vorrunde/`` what the new round needs of the old one: its
register (last year's answers, what changed), its issue log (its tokens: returns of the old round are
rejected as such) and ``runde.toml`` (its title and form version, for the warnings of ``generate``).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalogue import load_catalogue, write_catalogue_ids
from ..errors import FormError, ProjectError
from ..files import atomic_directory
from ..form import Form, load_form, write_form_version
from ..issue_log import ISSUE_LOG, read_issue_log, write_issue_log
from ..mail import load_template
from ..master import REGISTER_SHEET, read_sheet
from ..messages import text
from ..placeholders import round_values
from ..rounds import next_version
from ..settings import CONFIG_NAME, as_year
from ..toml_lines import toml_value, with_values
from .project import (
    MASTER_NAME,
    TEMPLATE_NAMES,
    TEMPLATES_FOLDER,
    Project,
    copy_file,
    fitting_definition,
    issued_questionnaires,
    load_project,
)
from .reading import INBOX

if TYPE_CHECKING:
    import pandas

PREVIOUS_FOLDER = "vorrunde"
"""The folder of a project made by ``init --from`` that holds what it needs of the previous round."""
PREVIOUS_RECORD = "runde.toml"
"""In :data:`PREVIOUS_FOLDER`: the previous round's title and form."""
_RECORD_COMMENT = ("# The previous round, as 'werkstatt-xl init --from' found it (read by generate and merge);\n"
                   "# deadline and horizon as its questionnaires showed them.\n")


@dataclass(frozen=True)
class PreviousRound:
    """What a project knows of the round before it."""

    folder: Path
    title: str
    form_id: str
    form_version: str
    tokens: frozenset[str]
    """The tokens it issued: a return carrying one is of the previous round."""
    register: "pandas.DataFrame"
    """Its register as its last merge wrote it (master.xlsx)."""
    values: dict[str, str | None] | None = None
    """Its round values (see :func:`~werkstatt_xl.placeholders.round_values`); None where ``runde.toml`` was
    written before they were recorded."""


@dataclass(frozen=True)
class NextRound:
    project: Project
    previous_version: str
    form_version: str
    warnings: tuple[str, ...] = ()


def previous_round(project: Project) -> PreviousRound | None:
    """The round before ``project`` (``[round] previous``), or None; :class:`ProjectError` when its files are
    missing."""
    if not project.previous:
        return None
    folder = project.root / project.previous
    paths = [folder / name for name in (MASTER_NAME, ISSUE_LOG, PREVIOUS_RECORD)]
    for path in paths:
        if not path.is_file():
            raise ProjectError(text("previous.missing", path=path, config=project.root / CONFIG_NAME))
    try:
        record = tomllib.loads(paths[2].read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(text("previous.unreadable", path=paths[2], error=error)) from None
    tokens = frozenset(entry.token for entry in read_issue_log(paths[1]) if entry.token)
    values = ({"title": str(record.get("title", "")) or None, "deadline": str(record["deadline"]) or None,
               "horizon": str(record["horizon"]) or None} if "horizon" in record and "deadline" in record else None)
    return PreviousRound(folder, str(record.get("title", "")), str(record.get("form_id", "")),
                         str(record.get("form_version", "")), tokens, read_sheet(paths[0], REGISTER_SHEET), values)


def init_next_round(root: Path | str, source: Path | str, title: str, horizon: int | str,
                    deadline: dt.date | None = None, prefill: bool = False) -> NextRound:
    """A new project folder ``root`` for the round after the project ``source``.

    Carries the catalogue (Werkzeug-IDs derived from names are stored in the copy), the templates
    (into ``vorlagen/``, the form's version counted up, see :func:`~werkstatt_xl.rounds.next_version`)
    and the settings, with ``title``, ``deadline`` and ``horizon`` for the new round; ``prefill``:
    ``generate`` puts last round's answers into the questionnaires. ``ausgang/`` starts empty, so
    ``generate`` issues new tokens. The old round must have been merged (its register is the
    previous answers). Nothing is written unless all is: the folder is built aside.
    """
    root, old = Path(root).resolve(), load_source_round(source)
    year = as_year(horizon)
    if year is None:
        raise ProjectError(text("next_round.bad_horizon", value=horizon))
    horizon = year
    check_new_folder(root)
    if not old.master_path.is_file():
        raise ProjectError(text("next_round.no_register", path=old.master_path, project=old.root))
    old_form = old.read_form()
    register = read_sheet(old.master_path, REGISTER_SHEET)
    issued, _ = issued_questionnaires(old, load_catalogue(old.catalogue_path))  # rebuilt where the log is lost
    missing = [name for name in old_form.answer_names() if name not in register.columns]
    other_forms = sorted({entry.form_id for entry in issued} - {old_form.form_id})
    if missing or other_forms:
        raise ProjectError(text("next_round.other_form", path=old.master_path, form=old.form_path,
                                found=", ".join(missing or other_forms)))
    version = next_version(old_form.version, deadline.year if deadline else None)
    new_round = replace(old, title=title, deadline=deadline, horizon=horizon)
    values = round_values(new_round)
    _check_templates(new_round, values)
    catalogue_name = Path(old.catalogue).name
    warnings = [text("next_round.same_title", title=title)] if title == old.title else []
    warnings += _earlier(old, deadline, horizon)
    with atomic_directory(root) as folder:
        for name in ("ausgang", INBOX, "ergebnis", TEMPLATES_FOLDER, PREVIOUS_FOLDER):
            (folder / name).mkdir()
        copy_file(old.catalogue_path, folder / catalogue_name)
        catalogue = load_catalogue(folder / catalogue_name)
        if catalogue.derived_ids:
            write_catalogue_ids(catalogue)
        templates = {setting: folder / TEMPLATES_FOLDER / name for setting, name in TEMPLATE_NAMES.items()}
        for setting, target in templates.items():
            copy_file(_template(old, setting), target)
        write_form_version(templates["form"], version)
        copy_file(old.master_path, folder / PREVIOUS_FOLDER / MASTER_NAME)
        write_issue_log(folder / PREVIOUS_FOLDER / ISSUE_LOG, issued)
        old_values = round_values(old)
        record = {"title": old.title, "form_id": old_form.form_id, "form_version": old_form.version,
                  "source": str(old.root), "deadline": old_values["deadline"] or "",
                  "horizon": old_values["horizon"] or ""}
        (folder / PREVIOUS_FOLDER / PREVIOUS_RECORD).write_text(
            _RECORD_COMMENT + "".join(f"{key} = {toml_value(value)}\n" for key, value in record.items()),
            encoding="utf-8")
        config = (old.root / CONFIG_NAME).read_text(encoding="utf-8")
        config = with_values(config, "round", {"title": title, "deadline": deadline or "", "horizon": horizon,
                                               "previous": PREVIOUS_FOLDER, "prefill": prefill})
        config = with_values(config, "files", {"catalogue": catalogue_name, **{
            setting: f"{TEMPLATES_FOLDER}/{name}" for setting, name in TEMPLATE_NAMES.items()}})
        (folder / CONFIG_NAME).write_text(config, encoding="utf-8")
    return NextRound(load_project(root), old_form.version, version, tuple(warnings))


def reworded_questions(project: Project, form: Form, last_round: PreviousRound) -> frozenset[str]:
    """The questions of ``form`` whose label reads differently with the previous round's values ("nach 2020"
    then, "nach 2025" now): last round's answer to them answered another question."""
    if last_round.values is None:
        return frozenset()
    try:
        before = load_form(project.form_path, project.form_language, values=last_round.values)
    except FormError:  # a value the old round left unset: no label to compare
        return frozenset()
    labels = {question.name: question.label for question in before.questions}
    return frozenset(question.name for question in form.questions
                     if question.name in labels and labels[question.name] != question.label)


def _earlier(old: Project, deadline: dt.date | None, horizon: int) -> list[str]:
    """A warning for the new round's deadline and horizon where it is earlier than the old round's (a typing
    error, most likely: the rounds go forward)."""
    old_horizon = round_values(old)["horizon"]
    pairs = [("deadline", deadline, old.deadline), ("horizon", horizon, int(old_horizon) if old_horizon else None)]
    return [text("next_round.earlier", setting=setting, new=new, old=before)
            for setting, new, before in pairs if new is not None and before is not None and new < before]


def _check_templates(new_round: Project, values: dict[str, str | None]) -> None:
    """Whether the old round's templates (``new_round``: the old project with the new round's values) work with
    the new round's values; errors name the old round's files. The Tabelle 1 definition by the rule of
    ``report``: one of the project's own must fit the form, the shipped one unedited may be replaced by the
    summary of every question (as merge does)."""
    new_form = load_form(new_round.form_path, new_round.form_language, values=values)
    fitting_definition(new_round, new_form, own_must_fit=True)
    for setting in TEMPLATE_NAMES.keys() - {"form", "report"}:
        load_template(_template(new_round, setting), values=values)


def check_new_folder(root: Path | str) -> None:
    """:class:`ProjectError` where ``root`` exists and is no empty folder: the next round needs a new one."""
    root = Path(root).resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ProjectError(text("next_round.target_not_empty", path=root))


def load_source_round(source: Path | str) -> Project:
    """The project ``--from`` names (the round to start the next one from); a clear message where it is none."""
    source = Path(source)
    if not (source / CONFIG_NAME).is_file():
        raise ProjectError(text("next_round.not_a_project", path=source.resolve(), config=CONFIG_NAME))
    return load_project(source)


def _template(project: Project, setting: str) -> Path:
    """The template a project uses for ``setting`` of ``[files]`` (its own or the shipped one)."""
    if setting == "form":
        return project.form_path
    if setting == "report":
        return project.report_path
    return project.mail_template_path(setting)

