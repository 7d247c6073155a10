"""The project folder of one round: its settings and where each kind of file lives."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import Catalogue, write_empty_catalogue
from ..confirmations import CONFIRMATIONS
from ..errors import OutputError, ProjectError, ReportDefinitionError
from ..files import atomic_path
from ..form import Form, default_form_path, load_form
from ..ingest import is_ignored
from ..issue_log import ISSUE_LOG, IssuedQuestionnaire, read_issue_log, rebuild_issue_log
from ..mail import CORRECTION, INVITATION, RECEIPT, REMINDER, TEMPLATES
from ..messages import Code, plural, text
from ..placeholders import round_values
from ..report import FORM_MISMATCH, ReportDefinition, load_report_definition
from ..resources import example_path, template_path
from ..settings import CONFIG_NAME, Settings, read_settings
from ..toml_lines import with_values
from .reading import INBOX

MASTER_NAME = "master.xlsx"
REPORT_NAME = "tabelle1.xlsx"
SUMMARY_NAME = "auswertung.xlsx"
TEMPLATES_FOLDER = "vorlagen"
"""The project's own copies of the templates, which ``werkstatt.toml`` names."""
MAIL_TEMPLATE_SETTINGS = {INVITATION: "mail_invitation", REMINDER: "mail_reminder", CORRECTION: "mail_correction",
                          RECEIPT: "mail_receipt"}
"""Kind of e-mail -> the setting of ``[files]`` that names its text."""
TEMPLATE_NAMES = {"form": "fragebogen.xlsx", "report": "tabelle1.toml",
                  **{setting: TEMPLATES[kind] for kind, setting in MAIL_TEMPLATE_SETTINGS.items()}}
"""Setting of ``[files]`` -> the shipped template that ``init`` copies into ``vorlagen/`` for it."""


@dataclass(frozen=True, kw_only=True)
class Project(Settings):
    """A project folder and its settings (``werkstatt.toml``)."""

    root: Path

    @property
    def catalogue_path(self) -> Path:
        return self.root / self.catalogue

    @property
    def form_path(self) -> Path:
        return self.root / self.form if self.form else default_form_path()

    @property
    def report_path(self) -> Path:
        return self.root / self.report if self.report else template_path("tabelle1.toml")

    def mail_template_path(self, setting: str) -> Path:
        """The e-mail text that ``setting`` of ``[files]`` (``mail_invitation``, ...) names; where that is empty,
        a copy beside werkstatt.toml (where projects kept one before ``vorlagen/``), else the shipped one."""
        if getattr(self, setting):
            return self.root / getattr(self, setting)
        own = self.root / TEMPLATE_NAMES[setting]
        return own if own.is_file() else template_path(TEMPLATE_NAMES[setting])

    def read_form(self, language: str | None = None) -> Form:
        """The round's form (:attr:`form_path`) in its language (or ``language``), the round placeholders
        filled."""
        return load_form(self.form_path, self.form_language if language is None else language,
                         values=self.round_values)

    @property
    def round_values(self) -> dict[str, str | None]:
        """The values of the placeholders ``{{title}}``, ``{{deadline}}``, ``{{horizon}}`` in the templates."""
        return round_values(self)

    @property
    def outbox(self) -> Path:
        """``ausgang/``: the generated questionnaires and ``ausgabe.csv``."""
        return self.root / "ausgang"

    @property
    def issue_log(self) -> Path:
        """``ausgang/ausgabe.csv``: which questionnaire went out under which token."""
        return self.outbox / ISSUE_LOG

    @property
    def confirmations(self) -> Path:
        """``bestaetigungen.csv``: returns without identity that the office confirmed."""
        return self.root / CONFIRMATIONS

    @property
    def inbox(self) -> Path:
        """``eingang/``: the returned questionnaires, read and never changed."""
        return self.root / INBOX

    @property
    def results(self) -> Path:
        """``ergebnis/``: master register and Tabelle 1."""
        return self.root / "ergebnis"

    @property
    def master_path(self) -> Path:
        """``ergebnis/master.xlsx``: the register of the last merge."""
        return self.results / MASTER_NAME

    @property
    def report_workbook_path(self) -> Path:
        """``ergebnis/tabelle1.xlsx``: Tabelle 1 and its charts."""
        return self.results / REPORT_NAME

    @property
    def summary_path(self) -> Path:
        """``ergebnis/auswertung.xlsx``: every question summarised, where the report definition does not fit
        the form."""
        return self.results / SUMMARY_NAME

    @property
    def drafts(self) -> Path:
        """``post/``: e-mail drafts and the sent-log."""
        return self.root / "post"


def load_project(root: Path | str = ".") -> Project:
    """Read ``root/werkstatt.toml``; raise :class:`ProjectError` with what to do."""
    root = Path(root).resolve()
    config = root / CONFIG_NAME
    if not config.is_file():
        raise ProjectError(text(Code.SETTINGS_MISSING, root=root, config=CONFIG_NAME))
    return Project(root=root, **read_settings(config))


def issued_questionnaires(project: Project, catalogue: Catalogue) -> tuple[list[IssuedQuestionnaire], str]:
    """The questionnaires issued, from ``ausgabe.csv``, and a notice ("" if none).

    Where the log is lost (missing or empty), they are read from the questionnaires in ``ausgang/``,
    which carry their tokens, and the notice says so: issuing new tokens instead would reject every
    return already out. Writing the rebuilt log is left to the caller.
    """
    issued = read_issue_log(project.issue_log)
    if issued or not project.outbox.is_dir():
        return issued, ""
    files = sorted(path for path in project.outbox.iterdir() if path.name != ISSUE_LOG and not is_ignored(path))
    if not files:
        return [], ""
    issued, without_identity = rebuild_issue_log(files, {werkzeug.werkzeug_id: werkzeug.werkzeug
                                                         for werkzeug in catalogue.werkzeuge})
    notice = text("issue_log.rebuilt", log=project.issue_log, outbox=project.outbox,
                  questionnaires=plural(len(issued), "count.questionnaire", "count.questionnaires"))
    if without_identity:
        notice += text("issue_log.without_identity", files=", ".join(path.name for path in without_identity))
    return issued, notice


def init_project(root: Path | str, example: bool = False, force: bool = False) -> Project:
    """Create a project folder with the templates in ``vorlagen/``; with ``example`` the Kreis Düren catalogue
    is filled in, else ``[round] horizon`` is next year.

    The example also places its ``ausgabe.csv`` in an ``ausgang/`` without one: the tokens its
    returned questionnaires carry. Refuses a folder that already holds a project or other files
    unless ``force``; even then returned questionnaires in ``eingang/`` are never touched.
    """
    root = Path(root).resolve()
    if root.exists() and not root.is_dir():
        raise ProjectError(text("init.not_a_folder", path=root))
    catalogue = root / "katalog.xlsx"
    try:
        if root.exists() and any(root.iterdir()) and not force:
            raise ProjectError(text("init.not_empty", path=root, config=CONFIG_NAME))
        root.mkdir(parents=True, exist_ok=True)
        for folder in ("ausgang", INBOX, "ergebnis", TEMPLATES_FOLDER):
            (root / folder).mkdir(exist_ok=True)
        if catalogue.exists():  # only with --force: a filled-in catalogue is worth keeping
            os.replace(catalogue, catalogue.with_name("katalog.xlsx.bak"))
    except OSError as error:  # a file on the way (NotADirectoryError), /proc, no permission
        raise OutputError(text("init.cannot_create", path=root, reason=error.strerror or error)) from None
    source = example_path() if example else template_path("")
    for name in TEMPLATE_NAMES.values():  # never replace a template the office has edited
        if not (root / TEMPLATES_FOLDER / name).exists():
            copy_file(template_path(name), root / TEMPLATES_FOLDER / name)
    if example:
        copy_file(example_path() / "katalog.xlsx", catalogue)
        if not (root / "ausgang" / ISSUE_LOG).exists():  # never replace a record of questionnaires issued
            copy_file(example_path() / ISSUE_LOG, root / "ausgang" / ISSUE_LOG)
    else:
        write_empty_catalogue(catalogue)
    config = (source / CONFIG_NAME).read_text(encoding="utf-8")
    if not example:  # a new round asks about the years after the next: said in the file, for the office to check
        config = with_values(config, "round", {"horizon": dt.date.today().year + 1})
    with atomic_path(root / CONFIG_NAME) as temporary:
        temporary.write_text(config, encoding="utf-8")
    return load_project(root)


def copy_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)


def own_report_definition(project: Project) -> bool:
    """Whether the project's Tabelle 1 definition is its own: one ``[files] report`` names that is not the shipped
    one unchanged (as ``init`` copies it into ``vorlagen/``)."""
    if not project.report:
        return False
    try:
        return project.report_path.read_bytes() != template_path("tabelle1.toml").read_bytes()
    except OSError:  # missing: loading it says so
        return True


def fitting_definition(project: Project, form, own_must_fit: bool = False) -> tuple[ReportDefinition | None, str]:
    """The project's report definition and "", or where it was written for another form (names questions
    this form lacks) None and the warning saying that the summary of every question takes its place.
    Any other problem of the definition stops (:class:`ReportDefinitionError`); with ``own_must_fit`` (the rule
    of ``report``) also one of the project's own (:func:`own_report_definition`) written for another form."""
    try:
        return load_report_definition(project.report_path, form, values=project.round_values), ""
    except ReportDefinitionError as error:
        if not all(problem.code in FORM_MISMATCH for problem in error.problems) or (
                own_must_fit and own_report_definition(project)):
            raise
        return None, text("merge.definition_does_not_fit", definition=project.report_path.name,
                          form=form.path.name, summary=project.summary_path, problem=error.problems[0])
