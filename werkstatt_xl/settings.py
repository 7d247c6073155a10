"""The round's settings: ``werkstatt.toml`` read into a :class:`Settings`."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ProjectError
from .messages import Code, text

CONFIG_NAME = "werkstatt.toml"


@dataclass(frozen=True)
class MailSettings:
    sender: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password_env: str = "WERKSTATT_XL_SMTP_PASSWORD"


@dataclass(frozen=True)
class Settings:
    """What ``werkstatt.toml`` says; file names are relative to the project folder."""

    title: str = ""
    deadline: dt.date | None = None
    catalogue: str = "katalog.xlsx"
    form: str = ""
    """An XLSForm; empty: the shipped questionnaire."""
    report: str = ""
    """A Tabelle 1 definition; empty: the shipped one."""
    mail: MailSettings = field(default_factory=MailSettings)

    @property
    def deadline_text(self) -> str:
        return self.deadline.strftime("%d.%m.%Y") if self.deadline else ""

    def with_overrides(self, **overrides):
        """These settings with the given ones replaced (``None`` keeps a setting)."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


def read_settings(config: Path) -> dict:
    """The settings in ``config`` as keyword arguments of :class:`Settings`; :class:`ProjectError` with what to do."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(text(Code.SETTINGS_UNREADABLE, config=config, error=error)) from None
    round_, files, mail = (_table(config, data, name) for name in ("round", "files", "mail"))
    deadline = round_.get("deadline") or None
    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline)
        except ValueError:
            raise ProjectError(text(Code.SETTINGS_BAD_DATE, config=config, value=deadline)) from None
    if deadline is not None and (not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime)):
        raise ProjectError(text(Code.SETTINGS_BAD_DATE, config=config, value=deadline))
    known = MailSettings.__dataclass_fields__
    unknown = sorted(set(mail) - set(known))
    if unknown:
        raise ProjectError(text(Code.SETTINGS_UNKNOWN_KEY, config=config, table="mail", keys=", ".join(unknown),
                                known=", ".join(known)))
    for table, values, name, kind in (
            *(("round", round_, "title", str),),
            *(("files", files, name, str) for name in ("catalogue", "form", "report")),
            *(("mail", mail, name, int if name == "smtp_port" else str) for name in known)):
        if name in values and (not isinstance(values[name], kind) or isinstance(values[name], bool)):
            expected = text("settings.whole_number" if kind is int else "settings.text_in_quotes")
            raise ProjectError(text(Code.SETTINGS_WRONG_TYPE, config=config, table=table, name=name,
                                    value=values[name], expected=expected))
    return dict(title=round_.get("title", ""), deadline=deadline, catalogue=files.get("catalogue", "katalog.xlsx"),
                form=files.get("form", ""), report=files.get("report", ""), mail=MailSettings(**mail))


def _table(config: Path, data: dict, name: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ProjectError(text(Code.SETTINGS_NOT_A_TABLE, config=config, name=name))
    return table
