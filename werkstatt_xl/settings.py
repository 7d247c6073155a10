"""The round's settings: ``werkstatt.toml`` read into a :class:`Settings`.

Every problem is reported at once with its line, a misspelt section or setting with the nearest
known name. Problems in ``[mail]`` stop only what uses the mail settings (:attr:`Settings.mail`),
unless the file has other problems too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import FileProblem, ProjectError, SettingsError
from .messages import Code, text
from .toml_lines import TomlLines

CONFIG_NAME = "werkstatt.toml"
MAX_REPEAT_ROWS = 100
"""The most rows a repeat may have in a questionnaire (the form's ``repeat_count`` or ``repeat_rows``)."""


@dataclass(frozen=True)
class MailSettings:
    sender: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password_env: str = "WERKSTATT_XL_SMTP_PASSWORD"
    receipts: bool = False
    """Whether this round confirms returns (``mail --receipts``)."""
    # collect: the mailbox returns arrive in
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"  # ssl | starttls | none
    imap_user: str = ""
    imap_folder: str = "INBOX"
    imap_password_env: str = "WERKSTATT_XL_IMAP_PASSWORD"
    imap_token_env: str = ""
    """Names the variable holding an OAuth 2.0 access token: log in with XOAUTH2 instead of a password."""
    imap_move_to: str = ""
    """A folder to move each message that brought a spreadsheet into once collected (a server without MOVE:
    copy); empty: messages stay where they are."""


@dataclass(frozen=True)
class Settings:
    """What ``werkstatt.toml`` says; file names are relative to the project folder."""

    title: str = ""
    deadline: dt.date | None = None
    repeat_rows: int = 5
    """Rows of a repeat in the questionnaire where the form's ``repeat_count`` is no number."""
    catalogue: str = "katalog.xlsx"
    form: str = ""
    """An XLSForm; empty: the shipped questionnaire."""
    report: str = ""
    """A Tabelle 1 definition; empty: the shipped one."""
    form_language: str = ""
    """The language of the form's labels (``English`` or ``en``); empty: the form's default_language, else its first."""
    mail_invitation: str = ""
    """The invitation's e-mail text; empty: ``mail_einladung.txt`` of the project folder, else the shipped one."""
    mail_reminder: str = ""
    """The reminder's e-mail text; empty: ``mail_erinnerung.txt`` of the project folder, else the shipped one."""
    mail_correction: str = ""
    """The correction request's e-mail text; empty: ``mail_korrektur.txt`` of the project folder, else the shipped
    one."""
    mail_receipt: str = ""
    """The receipt's e-mail text; empty: ``mail_bestaetigung.txt`` of the project folder, else the shipped one."""
    horizon: int | None = None
    """``[round] horizon``: the year continuation is asked about (``{{horizon}}`` in the templates)."""
    previous: str = ""
    """``[round] previous``: the folder holding the previous round's register and issue log; empty: none."""
    prefill: bool = False
    """``[round] prefill``: the questionnaires carry the previous round's answers."""
    mail_section: MailSettings | SettingsError = field(default_factory=MailSettings, repr=False, compare=False)
    """What ``[mail]`` says, or why it cannot be used; read it through :attr:`mail`."""

    @property
    def mail(self) -> MailSettings:
        """The ``[mail]`` settings; raises :class:`SettingsError` when they cannot be used."""
        if isinstance(self.mail_section, SettingsError):
            raise self.mail_section
        return self.mail_section

    @property
    def deadline_text(self) -> str:
        return self.deadline.strftime("%d.%m.%Y") if self.deadline else ""

    def with_overrides(self, **overrides):
        """These settings with the given ones replaced (``None`` keeps a setting)."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


YEAR = "year"
"""The kind of a setting that holds a year (a whole number, or text of one)."""
YEARS = range(1900, 2200)
"""The years a setting accepts."""


def as_year(value: object) -> int | None:
    """``value``, a whole number or text of one, as a year of :data:`YEARS`; None where it is none."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value in YEARS else None


SECTIONS = {
    "round": {"title": str, "deadline": dt.date, "repeat_rows": int, "horizon": YEAR, "previous": str,
              "prefill": bool},
    "files": {"catalogue": str, "form": str, "report": str, "form_language": str, "mail_invitation": str,
              "mail_reminder": str, "mail_correction": str, "mail_receipt": str},
    "mail": {setting.name: type(setting.default) for setting in fields(MailSettings)},
}
"""Section -> its settings and the kind of value each takes."""


def read_settings(config: Path) -> dict:
    """The settings in ``config`` as keyword arguments of :class:`Settings`.

    Raises :class:`ProjectError` for a file that is no TOML and :class:`SettingsError` listing every
    other problem with its line; problems in ``[mail]`` alone are kept for :attr:`Settings.mail`.
    """
    try:
        content = config.read_text(encoding="utf-8")
        data = tomllib.loads(content)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(text(Code.SETTINGS_UNREADABLE, config=config, error=error)) from None
    reader = _Reader(config, content)
    for name, value in data.items():
        if name not in SECTIONS:
            reader.unknown_section(name, value)
    round_, files = reader.section(data, "round"), reader.section(data, "files")
    reader.check_files(files)
    reader.check_repeat_rows(round_)
    outside_mail = len(reader.problems)
    mail = reader.section(data, "mail")
    if outside_mail:
        raise SettingsError(config, sorted(reader.problems, key=lambda problem: problem.line))
    mail_section = SettingsError(config, reader.problems) if reader.problems else MailSettings(**mail)
    return dict(**round_, **files, mail_section=mail_section)


class _Reader:
    """The problems of one ``werkstatt.toml``, each at its line."""

    def __init__(self, config: Path, content: str):
        self.config, self.lines = config, TomlLines(content)
        self.problems: list[FileProblem] = []

    def problem(self, code: Code, section: str, key: str, template: str | None = None, /, **values: object) -> None:
        """Report ``code`` at the line of ``key`` in ``section``; ``values`` fill in its text."""
        line = self.lines.find(section, key)
        problem = text(template or code, **values)
        self.problems.append(FileProblem(code, text("settings.at_line", line=line, problem=problem), line))

    def unknown_section(self, name: str, value: object) -> None:
        """A name at the top that is no section: a misspelt section, or a setting above every section."""
        known = ", ".join(f"[{section}]" for section in SECTIONS)
        if isinstance(value, dict):
            nearest = difflib.get_close_matches(name, SECTIONS, n=1)
            hint = text("settings.did_you_mean", name=f"[{nearest[0]}]") if nearest else ""
            self.problem(Code.SETTINGS_UNKNOWN_KEY, "", name, "settings.unknown_section", name=name, hint=hint,
                         known=known)
            return
        owner = next((section for section, keys in SECTIONS.items() if name in keys), None)
        hint = text("settings.belongs_below", section=owner) if owner else ""
        self.problem(Code.SETTINGS_UNKNOWN_KEY, "", name, "settings.outside_section", name=name, hint=hint,
                     known=known)

    def section(self, data: dict, name: str) -> dict:
        """The settings of section ``name`` that are of their kind; problems for the others and for unknown keys."""
        values = data.get(name, {})
        if not isinstance(values, dict):
            self.problem(Code.SETTINGS_NOT_A_TABLE, "", name, name=name)
            return {}
        kinds, usable = SECTIONS[name], {}
        for key, value in values.items():
            if key not in kinds:
                nearest = difflib.get_close_matches(key, kinds, n=1)
                hint = text("settings.did_you_mean", name=f"'{nearest[0]}'") if nearest else ""
                self.problem(Code.SETTINGS_UNKNOWN_KEY, name, key, name=key, section=name, hint=hint,
                             known=", ".join(kinds))
            elif kinds[key] is dt.date:
                usable[key] = self.date(name, key, value)
            elif kinds[key] is YEAR:
                usable[key] = self.year(name, key, value)
            elif kinds[key] is bool and not isinstance(value, bool):
                self.problem(Code.SETTINGS_WRONG_TYPE, name, key, section=name, name=key, value=value,
                             expected=text("settings.kind_yes_no"))
            elif kinds[key] is bool:
                usable[key] = value
            elif isinstance(value, kinds[key]) and not isinstance(value, bool):
                usable[key] = value
            else:
                self.problem(Code.SETTINGS_WRONG_TYPE, name, key, section=name, name=key, value=value,
                             expected=text("settings.kind_number" if kinds[key] is int else "settings.kind_text"))
        return usable

    def date(self, section: str, key: str, value: object) -> dt.date | None:
        """A date written as a TOML date or as text like 2019-12-13; empty text is no date."""
        if value == "":
            return None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.problem(Code.SETTINGS_BAD_DATE, section, key, value=value)
        return None

    def year(self, section: str, key: str, value: object) -> int | None:
        """A year written as a number or as text like "2025"; empty text is no year."""
        if value == "":
            return None
        year = as_year(value)
        if year is None:
            self.problem(Code.SETTINGS_BAD_YEAR, section, key, name=key, value=value)
        return year

    def check_repeat_rows(self, round_: dict) -> None:
        if not 1 <= round_.get("repeat_rows", 1) <= MAX_REPEAT_ROWS:
            self.problem(Code.SETTINGS_BAD_REPEAT_ROWS, "round", "repeat_rows", value=round_.pop("repeat_rows"),
                         most=MAX_REPEAT_ROWS)

    def check_files(self, files: dict) -> None:
        """A catalogue must be named; no file setting may name a folder."""
        if "catalogue" in files and not files["catalogue"].strip():
            self.problem(Code.SETTINGS_EMPTY_FILE, "files", "catalogue")
        for key, value in files.items():
            if value.strip() and (self.config.parent / value).is_dir():
                self.problem(Code.SETTINGS_FOLDER, "files", key, name=key, value=value)
