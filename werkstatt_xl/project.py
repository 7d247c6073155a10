"""A survey project folder: ``werkstatt.toml`` and the folders of one round."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from .xlsx import atomic_path

CONFIG_NAME = "werkstatt.toml"
EXAMPLE_NAME = "kreis-dueren"


class ProjectError(ValueError):
    """A project folder or setting that cannot be used; the message says what to do."""


def template_path(name: str) -> Path:
    """A file shipped in the package's ``templates`` folder."""
    return Path(str(resources.files("werkstatt_xl.templates") / name))


def example_path(name: str = EXAMPLE_NAME) -> Path:
    """A shipped example round (catalogue and returned questionnaires)."""
    return Path(str(resources.files("werkstatt_xl.examples") / name))


@dataclass(frozen=True)
class MailSettings:
    sender: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password_env: str = "WERKSTATT_XL_SMTP_PASSWORD"


@dataclass(frozen=True)
class Project:
    root: Path
    title: str = ""
    deadline: dt.date | None = None
    catalogue: str = "katalog.xlsx"
    form: str = ""
    report: str = ""
    mail: MailSettings = field(default_factory=MailSettings)

    @property
    def catalogue_path(self) -> Path:
        return self.root / self.catalogue

    @property
    def form_path(self) -> Path:
        return self.root / self.form if self.form else template_path("fragebogen.xlsx")

    @property
    def report_path(self) -> Path:
        return self.root / self.report if self.report else template_path("tabelle1.toml")

    @property
    def outbox(self) -> Path:
        """``ausgang/``: the generated questionnaires and ``ausgabe.csv``."""
        return self.root / "ausgang"

    @property
    def inbox(self) -> Path:
        """``eingang/``: the returned questionnaires, read and never changed."""
        return self.root / "eingang"

    @property
    def results(self) -> Path:
        """``ergebnis/``: master register and Tabelle 1."""
        return self.root / "ergebnis"

    @property
    def drafts(self) -> Path:
        """``post/``: e-mail drafts and the sent-log."""
        return self.root / "post"

    @property
    def deadline_text(self) -> str:
        return self.deadline.strftime("%d.%m.%Y") if self.deadline else ""

    def with_overrides(self, **overrides) -> "Project":
        """This project with the given settings replaced (``None`` keeps a setting)."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


def load_project(root: Path | str = ".") -> Project:
    """Read ``root/werkstatt.toml``; raise :class:`ProjectError` with what to do."""
    root = Path(root).resolve()
    config = root / CONFIG_NAME
    if not config.is_file():
        raise ProjectError(f"{root}: no {CONFIG_NAME} here. Create a project with "
                           f"'werkstatt-xl init {root}' or point to one with -p DIR.")
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(f"{config}: cannot read the settings ({error}). Correct the file.") from None
    round_, files, mail = (_table(config, data, name) for name in ("round", "files", "mail"))
    deadline = round_.get("deadline") or None
    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline)
        except ValueError:
            raise ProjectError(f"{config}: deadline {deadline!r} is not a date like 2019-12-13.") from None
    if deadline is not None and (not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime)):
        raise ProjectError(f"{config}: deadline {deadline!r} is not a date like 2019-12-13.")
    known = MailSettings.__dataclass_fields__
    unknown = sorted(set(mail) - set(known))
    if unknown:
        raise ProjectError(f"{config}: unknown [mail] setting {', '.join(unknown)}; known: {', '.join(known)}.")
    for table, values, name, kind in (
            *(("round", round_, "title", str),),
            *(("files", files, name, str) for name in ("catalogue", "form", "report")),
            *(("mail", mail, name, int if name == "smtp_port" else str) for name in known)):
        if name in values and (not isinstance(values[name], kind) or isinstance(values[name], bool)):
            expected = "a whole number" if kind is int else "text in quotes"
            raise ProjectError(f"{config}: [{table}] {name} = {values[name]!r} must be {expected}.")
    return Project(
        root=root, title=round_.get("title", ""), deadline=deadline,
        catalogue=files.get("catalogue", "katalog.xlsx"), form=files.get("form", ""),
        report=files.get("report", ""), mail=MailSettings(**mail),
    )


def _table(config: Path, data: dict, name: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ProjectError(f"{config}: '{name}' must be a section [{name}] with settings below it.")
    return table


def init_project(root: Path | str, example: bool = False, force: bool = False) -> Project:
    """Create a project folder; with ``example`` the Kreis Düren catalogue is filled in.

    The example also places its ``ausgabe.csv`` in an ``ausgang/`` without one: the tokens its
    returned questionnaires carry. Refuses a folder that already holds a project or other files
    unless ``force``; even then returned questionnaires in ``eingang/`` are never touched.
    """
    from .catalogue import write_empty_catalogue
    from .questionnaire import ISSUE_LOG

    root = Path(root).resolve()
    if root.exists() and not root.is_dir():
        raise ProjectError(f"{root} is a file, not a folder. Choose another path.")
    if root.exists() and any(root.iterdir()) and not force:
        raise ProjectError(f"{root} is not empty. Use another folder, or --force to write "
                           f"{CONFIG_NAME} and katalog.xlsx anew (returned files are kept).")
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("ausgang", "eingang", "ergebnis"):
        (root / folder).mkdir(exist_ok=True)
    catalogue = root / "katalog.xlsx"
    if catalogue.exists():  # only with --force: a filled-in catalogue is worth keeping
        os.replace(catalogue, catalogue.with_name("katalog.xlsx.bak"))
    source = example_path() if example else template_path("")
    if example:
        _copy(example_path() / "katalog.xlsx", catalogue)
        if not (root / "ausgang" / ISSUE_LOG).exists():  # never replace a record of questionnaires issued
            _copy(example_path() / ISSUE_LOG, root / "ausgang" / ISSUE_LOG)
    else:
        write_empty_catalogue(catalogue)
    _copy(source / CONFIG_NAME, root / CONFIG_NAME)
    return load_project(root)


def _copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)
