"""The ``werkstatt-xl`` command: parse options, call the orchestration layer (:mod:`werkstatt_xl.round`),
print what it returns, set the exit code.

Every text it shows, --help included, is a message key looked up when shown (:mod:`werkstatt_xl.messages`):
the language is the environment's, known only when the command runs.
"""

from __future__ import annotations

import functools
import gettext
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import WerkstattError
from .messages import LOCALE_DIR, language, plural, text

# Each command imports the orchestration layer (werkstatt_xl.round) when it runs: loading all of it
# takes about 0.1 s, which --help and a mistyped option should not pay.

SHOWN = 5
"""How many Werkzeuge merge names in each list of what needs attention."""
TO_CHECK = ("mit Problemen", "unbestätigt")
"""Register statuses (:mod:`werkstatt_xl.register`) of the Werkzeuge whose returns merge names to check."""
NOT_RETURNED = ("offen", "abgelehnt")
"""Register statuses of the Werkzeuge without a usable return, which merge names too."""
LISTED_SHOWN = 20
"""How many of the attachments and messages it did not save collect names."""


class _Translated:
    """An attribute click reads to show help or usage, set to a message key and read as its text."""

    def __set_name__(self, owner, name: str):
        self.slot = f"_{name}_key"

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        key = instance.__dict__[self.slot]
        return text(key) if key else key

    def __set__(self, instance, key: str | None):
        instance.__dict__[self.slot] = key


class _Option(click.Option):
    """An option whose help and metavar are message keys."""

    help = _Translated()
    metavar = _Translated()


class _Argument(click.Argument):
    """An argument whose metavar is a message key."""

    metavar = _Translated()


class _Path(click.Path):
    """click's Path, whose kind ("file", "directory", named in its metavar and errors) click words when
    the option is declared, before the language is chosen: worded again, by click's catalogue, when shown."""

    @property
    def name(self) -> str:
        return gettext.gettext(self._name)

    @name.setter
    def name(self, english: str) -> None:
        self._name = english


class _Help:
    """Help texts and the usage line's metavar of a command as message keys."""

    help = _Translated()
    options_metavar = _Translated()

    def __init__(self, *args, options_metavar: str = "metavar.options", **kwargs):
        super().__init__(*args, options_metavar=options_metavar, **kwargs)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:  # made once per command, so worded each time it is asked for
            option.help = text("help.help")
        return option


class _Command(_Help, click.Command):
    """A command whose help is a message key."""


class _Group(_Help, click.Group):
    """The command group: its commands are :class:`_Command` and click's own words follow the terminal."""

    command_class = _Command
    subcommand_metavar = _Translated()

    def __init__(self, *args, subcommand_metavar: str = "metavar.command", **kwargs):
        super().__init__(*args, subcommand_metavar=subcommand_metavar, **kwargs)

    def main(self, *args, **kwargs):
        _translate_click()
        return super().main(*args, **kwargs)


def _translate_click() -> None:
    """Point gettext's default domain, in which click marks its own words ("Usage:", "Options", its
    errors), at the German catalogue ``click`` when the terminal speaks German; else click's English."""
    if language() == "de":
        gettext.bindtextdomain("click", LOCALE_DIR)
        gettext.textdomain("click")
    else:
        gettext.textdomain("messages")  # gettext's default domain, for which nothing is installed


_option = functools.partial(click.option, cls=_Option)

_project_option = _option(
    "-p", "--project", "project_dir", type=_Path(file_okay=False, path_type=Path), default=".",
    show_default=True, help="help.project")


def _user_errors(command):
    """Turn every error a user can act on into its message and exit code 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except WerkstattError as error:
            raise click.ClickException(str(error)) from None
    return wrapper


class _Progress:
    """``on_progress(done, total)`` for the orchestration layer: a progress bar on the terminal's stderr,
    opened at the first step and hidden when output goes to a file or pipe."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         hidden=not sys.stderr.isatty())
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exception) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exception)


def _load(project_dir: Path, **overrides):
    from .round import load_project

    return load_project(project_dir).with_overrides(**overrides)


def _show_version(ctx: click.Context, _param, value: bool) -> None:
    """--version: the version, in the terminal's words, then exit."""
    if value and not ctx.resilient_parsing:
        click.echo(text("cli.version", prog="werkstatt-xl", version=__version__))
        ctx.exit()


@click.group(cls=_Group, help="help.main", context_settings={"help_option_names": ["-h", "--help"]})
@_option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version, help="help.version")
def main():
    """The command group; each command below is one step of a round."""


def run() -> None:
    """The command's entry point (``werkstatt-xl``, ``python -m werkstatt_xl``): :func:`main`, then leave
    without Python's tear-down of the libraries it loaded, a tenth of a second of pandas and numpy after
    every command. By then each file is written and closed (every writer's ``with`` block or atomic write
    has ended) and each worker process has ended; the terminal's output is flushed here. A traceback
    leaves the usual way."""
    try:
        main()
    except SystemExit as leaving:  # how click ends every command
        if leaving.code is not None and not isinstance(leaving.code, int):
            raise
        code = leaving.code or 0
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: started without that descriptor (a scheduled task, pythonw)
                stream.flush()
        except OSError:  # a closed pipe (``| head``): as Python says it, with exit code 120
            code = code or 120
    os._exit(code)


_DATE = click.DateTime(["%Y-%m-%d", "%d.%m.%Y"])
"""A date as the round's options take it: 2020-12-11 or 11.12.2020."""


@main.command("init", help="help.init")
@click.argument("directory", cls=_Argument, type=click.Path(path_type=Path), metavar="metavar.directory")
@_option("--example", is_flag=True, help="help.init.example")
@_option("--force", is_flag=True, help="help.init.force")
@_option("--from", "source", type=_Path(file_okay=False, path_type=Path), metavar="metavar.old_round",
         help="help.init.from")
@_option("--title", help="help.init.title")
@_option("--deadline", type=_DATE, help="help.init.deadline")
@_option("--horizon", metavar="metavar.year", help="help.init.horizon")
@_option("--prefill", is_flag=True, help="help.init.prefill")
@_user_errors
def init_command(directory: Path, example: bool, force: bool, source: Path | None, title, deadline, horizon,
                 prefill: bool):
    """Create the project folder (with --from: the next round of another) and say what to do next."""
    if source is None:
        if title or deadline or horizon or prefill:
            raise click.UsageError(text("init.round_options_need_from"))
        from .round import init_project

        project = init_project(directory, example=example, force=force)
        click.echo(text("init.created", root=project.root))
        click.echo(text("init.next_example" if example else "init.next", catalogue=project.catalogue_path.name,
                        directory=directory))
        return
    if example or force:
        raise click.UsageError(text("init.from_alone"))
    from .round import check_new_folder, init_next_round, load_source_round, next_title

    old = load_source_round(source)
    check_new_folder(directory)  # before asking: the answers would be lost
    title = title or click.prompt(text("init.ask_title"), default=next_title(old.title) or None)
    if deadline is None:  # asked again until it is a date or empty
        deadline = click.prompt(text("init.ask_deadline"), default="", show_default=False, value_proc=_optional_date)
    horizon = horizon or click.prompt(text("init.ask_horizon"))
    result = init_next_round(directory, source, title, horizon, deadline.date() if deadline else None, prefill)
    for warning in result.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    click.echo(text("init.created_from", root=result.project.root, source=source,
                    previous=result.previous_version, version=result.form_version))
    click.echo(text("init.next_round", directory=directory))


def _optional_date(answer: str):
    """The date typed at a prompt (as ``--deadline`` takes it), None for none; a typing error is asked again."""
    return _DATE.convert(answer, None, None) if answer.strip() else None


@main.command("generate", help="help.generate")
@_project_option
@_option("--catalogue", type=_Path(dir_okay=False, path_type=Path), help="help.generate.catalogue")
@_option("--form", type=_Path(dir_okay=False, path_type=Path), help="help.generate.form")
@_option("--title", help="help.generate.title")
@_option("--deadline", type=click.DateTime(["%Y-%m-%d"]), help="help.generate.deadline")
@_option("--reissue", is_flag=True, help="help.generate.reissue")
@_option("--write-ids", is_flag=True, help="help.generate.write_ids")
@_option("--language", "form_language", help="help.form_language")
@_user_errors
def generate_command(project_dir: Path, catalogue, form, title, deadline, reissue: bool, write_ids: bool,
                     form_language: str | None):
    """Write the questionnaires and say how many, and which tokens are new."""
    from .round import generate

    # paths given here are relative to the current folder, those in werkstatt.toml to the project
    project = _load(project_dir, catalogue=str(catalogue.resolve()) if catalogue else None,
                    form=str(form.resolve()) if form else None, title=title,
                    deadline=deadline.date() if deadline else None, form_language=form_language)
    with _Progress(text("generate.progress")) as progress:
        result = generate(project, reissue=reissue, write_ids=write_ids, on_progress=progress)
    if result.stored_ids:
        click.echo(text("generate.stored_ids", catalogue=project.catalogue_path.name))
    for warning in result.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    issued = len(result.issued)
    if result.prefilled:
        click.echo(text("generate.prefilled",
                        questionnaires=plural(result.prefilled, "count.questionnaire", "count.questionnaires")))
    click.echo(text("generate.wrote", questionnaires=plural(issued, "count.questionnaire", "count.questionnaires"),
                    outbox=result.outbox, kept=result.reused_tokens, new=issued - result.reused_tokens))


@main.command("merge", help="help.merge")
@_project_option
@_option("--strict", is_flag=True, help="help.merge.strict")
@_option("--language", "form_language", help="help.form_language")
@_user_errors
def merge_command(project_dir: Path, strict: bool, form_language: str | None):
    """Merge the returns, then say what came back and which Werkzeuge need attention."""
    from .round.reading import reading_project  # the readers start first, while the rest loads

    with _Progress(text("merge.progress")) as progress, reading_project(project_dir, progress) as reads:
        from .round import merge

        result = merge(_load(project_dir, form_language=form_language), on_progress=progress, reads=reads)
    for warning in result.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    counts, register = result.counts, result.register
    click.echo(text("merge.summary", files=plural(counts["received"], "count.file", "count.files"), **counts))
    click.echo(text("merge.missing", missing=counts["missing"],
                    werkzeuge=plural(len(register), "count.werkzeug", "count.werkzeuge")))
    if result.problems:
        click.echo(text("merge.problems", count=len(result.problems)))
    if result.changes is not None:
        click.echo(text("merge.changes", **{key: plural(count, "count.werkzeug", "count.werkzeuge")
                                            for key, count in result.change_counts.items()}))
    _echo_werkzeuge(text("merge.to_check"), register[register["status"].isin(TO_CHECK)])
    _echo_werkzeuge(text("merge.not_returned", project=project_dir), register[register["status"].isin(NOT_RETURNED)])
    click.echo(text("cli.wrote", path=result.master_path))
    click.echo(text("cli.wrote", path=result.report_path))
    if result.overrides_path:
        click.echo(text("merge.overrides", path=result.overrides_path))
    if strict and (counts["with_problems"] or counts["rejected"]):
        raise click.ClickException(text("merge.strict_failed"))


def _echo_werkzeuge(heading: str, rows) -> None:
    """``heading`` over the first :data:`SHOWN` register ``rows`` (id, status, name), then how many more; nothing
    when there are none."""
    if rows.empty:
        return
    click.echo(heading)
    shown = rows[["werkzeug_id", "status", "werkzeug"]].head(SHOWN).astype(str)
    id_width, status_width = (shown[column].str.len().max() for column in ("werkzeug_id", "status"))
    for werkzeug_id, status, werkzeug in shown.itertuples(index=False, name=None):
        click.echo(f"  {werkzeug_id:<{id_width}}  {status:<{status_width}}  {werkzeug}")
    if len(rows) > SHOWN:
        click.echo("  " + text("input_file.more", count=len(rows) - SHOWN))


@main.command("confirm", help="help.confirm")
@_project_option
@click.argument("files", cls=_Argument, nargs=-1, required=True, metavar="metavar.files")
@_user_errors
def confirm_command(project_dir: Path, files: tuple[str, ...]):
    """Record each named return as confirmed and say so."""
    from .round import confirm

    for file, werkzeug in confirm(_load(project_dir), list(files)):
        click.echo(text("confirm.done", file=file, werkzeug_id=werkzeug.werkzeug_id, werkzeug=werkzeug.werkzeug))


@main.command("mail", help="help.mail")
@_project_option
@_option("--reminder", is_flag=True, help="help.mail.reminder")
@_option("--corrections", is_flag=True, help="help.mail.corrections")
@_option("--receipts", is_flag=True, help="help.mail.receipts")
@_option("--send", is_flag=True, help="help.mail.send")
@_option("--only", multiple=True, metavar="metavar.werkzeug_id", help="help.mail.only")
@_option("--again", is_flag=True, help="help.mail.again")
@_user_errors
def mail_command(project_dir: Path, reminder: bool, corrections: bool, receipts: bool, send: bool,
                 only: tuple[str, ...], again: bool):
    """Write the e-mails as drafts, or send them, and say how many, warning first of the Werkzeuge without an
    address; exit 1 when none of those to write to has one."""
    from .round import (
        CORRECTION,
        INVITATION,
        RECEIPT,
        REMINDER,
        check_smtp_settings,
        plan_mail,
        send_mail,
        sent_log_path,
        write_mail_drafts,
    )

    if again and not send:
        raise click.UsageError(text("mail.again_without_send"))
    if reminder + corrections + receipts > 1:
        raise click.UsageError(text("mail.one_kind"))
    project = _load(project_dir)
    if send:
        check_smtp_settings(project.mail)
    ids = [part for value in only for part in value.replace(",", " ").split()]
    plan = plan_mail(project, reminder=reminder, only=ids or None, corrections=corrections, receipts=receipts)
    for warning in plan.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    if plan.without_address:
        click.echo(text("cli.warning", warning=text("mail.no_address", catalogue=project.catalogue_path.name)),
                   err=True)
        for werkzeug in plan.without_address:
            click.echo(text("mail.no_address_row", werkzeug_id=werkzeug.werkzeug_id, row=werkzeug.row,
                            werkzeug=werkzeug.werkzeug), err=True)
    if plan.confirmed_before:
        click.echo(plural(plan.confirmed_before, "mail.confirmed_before_one", "mail.confirmed_before_other",
                          log=sent_log_path(project)))
    kind_name, nothing_to_send = {INVITATION: ("mail.invitation", "mail.no_recipients"),
                                  REMINDER: ("mail.reminder", "mail.no_reminders"),
                                  CORRECTION: ("mail.correction", "mail.no_corrections"),
                                  RECEIPT: ("mail.receipt_kind", "mail.no_receipts")}[plan.kind]
    kind = text(kind_name)
    if not plan.messages:
        if plan.without_address:
            raise click.ClickException(plural(len(plan.without_address), "mail.nobody_reachable_one",
                                              "mail.nobody_reachable_other"))
        click.echo(text(nothing_to_send))
        return
    if not send:
        folder, paths = write_mail_drafts(project, plan)
        click.echo(text("mail.wrote_drafts", drafts=plural(len(paths), "mail.draft", "mail.drafts", kind=kind),
                        werkzeuge=plural(len(plan.werkzeug_ids), "count.werkzeug", "count.werkzeuge"), folder=folder))
        click.echo(text("mail.open_drafts"))
        return
    settings = project.mail
    password = os.environ.get(settings.password_env) or None
    if password is None and settings.user:
        password = _ask_password(settings.user, settings.smtp_host, settings.password_env)
    log = sent_log_path(project)
    result = send_mail(project, plan, password, again=again,
                       on_sent=lambda sent: click.echo(text("mail.sent_to", mail=sent.describe())))
    if result.skipped:
        click.echo(text("mail.skipped", emails=plural(len(result.skipped), "mail.email", "mail.emails", kind=kind),
                        log=log))
    click.echo(text("mail.sent", emails=plural(len(result.sent), "mail.email", "mail.emails", kind=kind)))


def _ask_password(user: str, host: str, variable: str, key: str = "user") -> str:
    """A server's password, typed hidden; without a terminal (or input) to ask, an error naming the variable
    (and ``key``, the setting that names the user)."""
    try:
        return click.prompt(text("mail.password_prompt", user=user, host=host, variable=variable), hide_input=True,
                            err=True)
    except click.Abort:
        if sys.stdin is not None and sys.stdin.isatty():
            raise  # the person pressed Ctrl-C or Ctrl-D
        raise click.ClickException(text("mail.no_terminal_for_password", user=user, key=key,
                                        variable=variable)) from None


@main.command("collect", help="help.collect")
@_project_option
@_option("--from-folder", "from_folder", type=_Path(exists=True, file_okay=False, path_type=Path),
         metavar="metavar.folder", help="help.collect.from_folder")
@_user_errors
def collect_command(project_dir: Path, from_folder: Path | None):
    """Save the returns from the mailbox (or saved messages) into eingang/ and say what was not saved."""
    from .round import check_imap_settings, collect, collect_from_folder

    project = _load(project_dir)
    with _Progress(text("collect.progress")) as progress:
        if from_folder is not None:
            result = collect_from_folder(project, from_folder, on_progress=progress)
        else:
            settings = project.mail
            check_imap_settings(settings)
            password = token = None
            if settings.imap_token_env:
                token = os.environ.get(settings.imap_token_env) or None
                if token is None:
                    raise click.ClickException(text("collect.no_token", variable=settings.imap_token_env))
            else:
                password = os.environ.get(settings.imap_password_env) or None
                if password is None:
                    password = _ask_password(settings.imap_user, settings.imap_host, settings.imap_password_env,
                                             "imap_user")
            result = collect(project, password, token, on_progress=progress)
    if result.other_files:
        click.echo(text("cli.warning", warning=plural(len(result.other_files), "collect.other_file",
                                                      "collect.other_files", folder=from_folder)), err=True)
    if result.listed:
        click.echo(text("collect.listed", log=result.log_path))
        for row in result.listed[:LISTED_SHOWN]:
            click.echo("  " + text("collect.listed_row", sender=row.sender or row.source, subject=row.subject,
                                   attachment=row.attachment or "-", outcome=row.outcome.value, reason=row.reason))
        if len(result.listed) > LISTED_SHOWN:
            click.echo("  " + text("input_file.more", count=len(result.listed) - LISTED_SHOWN))
    if result.refused:
        click.echo(text("collect.refused_listed"))
        for row in result.refused[:LISTED_SHOWN]:
            click.echo(f"  {row.saved_as} ({row.sender}): {row.reason}")
        if len(result.refused) > LISTED_SHOWN:
            click.echo("  " + text("input_file.more", count=len(result.refused) - LISTED_SHOWN))
    click.echo(text("collect.summary", files=plural(len(result.saved), "count.file", "count.files"),
                    inbox=project.inbox, messages=plural(result.messages, "collect.message", "collect.messages"),
                    known=result.known))
    if result.moved:
        click.echo(text("collect.moved", count=result.moved, folder=project.mail.imap_move_to))
    if result.copied:
        click.echo(text("collect.copied", count=result.copied, folder=project.mail.imap_move_to))
    if result.saved:
        click.echo(text("collect.next", project=project_dir))


@main.command("status", help="help.status")
@_project_option
@_option("--format", "output_format", type=click.Choice(["text", "csv", "json"]), default="text",
         show_default=True, help="help.status.format")
@_user_errors
def status_command(project_dir: Path, output_format: str):
    """Print the status table, warning first of returns the last merge has not counted."""
    from .round import render, status, unmerged_files

    project = _load(project_dir)
    waiting = unmerged_files(project)
    if waiting:
        click.echo(text("cli.warning", warning=plural(len(waiting), "status.unmerged_file", "status.unmerged_files",
                                                      inbox=project.inbox, project=project_dir)), err=True)
    click.echo(render(status(project), output_format), nl=False)


@main.command("report", help="help.report")
@_project_option
@_option("--pdf", is_flag=True, help="help.report.pdf")
@_option("--language", "form_language", help="help.form_language")
@_user_errors
def report_command(project_dir: Path, pdf: bool, form_language: str | None):
    """Write Tabelle 1 (and its PDF) and say what it holds."""
    from .round import report

    result = report(_load(project_dir, form_language=form_language), pdf=pdf)
    for warning in result.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    click.echo(text("report.wrote", workbook=result.workbook,
                    werkzeuge=plural(result.werkzeuge, "count.werkzeug", "count.werkzeuge"),
                    without=len(result.without_return)))
    if result.edited:
        click.echo(plural(len(result.edited), "report.edited_one", "report.edited_other"))
    if result.pdf:
        click.echo(text("cli.wrote", path=result.pdf))
