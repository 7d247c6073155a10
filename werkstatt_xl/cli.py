"""The ``werkstatt-xl`` command: parse options, call the orchestration layer (:mod:`werkstatt_xl.round`),
print what it returns, set the exit code."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import WerkstattError
from .messages import plural, text

# Each command imports the orchestration layer (werkstatt_xl.round) when it runs: loading all of it
# takes about 0.1 s, which --help and a mistyped option should not pay.

_project_option = click.option(
    "-p", "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
    show_default=True, help="The survey project folder (with werkstatt.toml).")


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="werkstatt-xl")
def main():
    """Run a questionnaire survey through Excel workbooks.

    \b
    A round:  werkstatt-xl init runde --example
              werkstatt-xl generate -p runde      (questionnaires in runde/ausgang/)
              ... departments return them into runde/eingang/ ...
              werkstatt-xl merge -p runde         (runde/ergebnis/master.xlsx)
    """


@main.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--example", is_flag=True, help="Fill in the Kreis Düren catalogue (55 Werkzeuge).")
@click.option("--force", is_flag=True, help="Write settings and catalogue even if the folder is not empty "
              "(the previous catalogue is kept as katalog.xlsx.bak).")
@_user_errors
def init_command(directory: Path, example: bool, force: bool):
    """Create a survey project folder.

    Writes werkstatt.toml, an empty katalog.xlsx (or the example's) and the folders
    ausgang/, eingang/, ergebnis/. Returned files in eingang/ are never touched.

    \b
    Example:  werkstatt-xl init runde-2026 --example
    """
    from .round import init_project

    project = init_project(directory, example=example, force=force)
    click.echo(text("init.created", root=project.root))
    click.echo(text("init.next_example" if example else "init.next", catalogue=project.catalogue_path.name,
                    directory=directory))


@main.command("generate")
@_project_option
@click.option("--catalogue", type=click.Path(dir_okay=False, path_type=Path),
              help="Catalogue file instead of the one in werkstatt.toml.")
@click.option("--form", type=click.Path(dir_okay=False, path_type=Path),
              help="XLSForm questionnaire instead of the one in werkstatt.toml.")
@click.option("--title", help="Title of the round printed on every questionnaire.")
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), help="Return date, e.g. 2026-12-15.")
@click.option("--reissue", is_flag=True, help="New tokens for all questionnaires (earlier ones are then rejected).")
@click.option("--write-ids", is_flag=True, help="Store derived Werkzeug-IDs in the catalogue.")
@_user_errors
def generate_command(project_dir: Path, catalogue, form, title, deadline, reissue: bool, write_ids: bool):
    """Write one questionnaire per Werkzeug into ausgang/, and ausgang/ausgabe.csv.

    \b
    Example:  werkstatt-xl generate -p runde-2026 --deadline 2026-12-15
    """
    from .round import generate

    # paths given here are relative to the current folder, those in werkstatt.toml to the project
    project = _load(project_dir, catalogue=str(catalogue.resolve()) if catalogue else None,
                    form=str(form.resolve()) if form else None, title=title,
                    deadline=deadline.date() if deadline else None)
    with _Progress(text("generate.progress")) as progress:
        result = generate(project, reissue=reissue, write_ids=write_ids, on_progress=progress)
    if result.stored_ids:
        click.echo(text("generate.stored_ids", catalogue=project.catalogue_path.name))
    for warning in result.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    issued = len(result.issued)
    click.echo(text("generate.wrote", questionnaires=plural(issued, "count.questionnaire", "count.questionnaires"),
                    outbox=result.outbox, kept=result.reused_tokens, new=issued - result.reused_tokens))


@main.command("merge")
@_project_option
@click.option("--strict", is_flag=True, help="Exit with 1 when any returned file has problems or was rejected.")
@_user_errors
def merge_command(project_dir: Path, strict: bool):
    """Read the returned questionnaires in eingang/ into ergebnis/master.xlsx and tabelle1.xlsx.

    Returned files are only read, never changed. Files that cannot be used are listed
    with the reason on the sheet "Prüfung"; the rest is merged.

    \b
    Example:  werkstatt-xl merge -p runde-2026
    """
    from .round import merge

    with _Progress(text("merge.progress")) as progress:
        result = merge(_load(project_dir), on_progress=progress)
    for warning in result.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    counts = result.counts
    click.echo(text("merge.summary", files=plural(counts["received"], "count.file", "count.files"), **counts))
    click.echo(text("merge.missing", missing=counts["missing"],
                    werkzeuge=plural(len(result.register), "count.werkzeug", "count.werkzeuge")))
    if result.problems:
        click.echo(text("merge.problems", count=len(result.problems)))
    click.echo(text("cli.wrote", path=result.master_path))
    click.echo(text("cli.wrote", path=result.report_path))
    if strict and (counts["with_problems"] or counts["rejected"]):
        raise click.ClickException(text("merge.strict_failed"))


@main.command("confirm")
@_project_option
@click.argument("files", nargs=-1, required=True)
@_user_errors
def confirm_command(project_dir: Path, files: tuple[str, ...]):
    """Confirm returns that came back without their identity as genuine.

    A questionnaire whose hidden identity is missing (its contents copied into a new
    workbook, say) is matched by its Werkzeug title only; the sheet "Prüfung" lists it, and
    its answers count only after you have checked with the department that it is theirs
    and confirmed it here. FILES are names in eingang/ as "Prüfung" shows them. The
    confirmation holds for this file's content; run merge afterwards.

    \b
    Example:  werkstatt-xl confirm -p runde-2026 "Kopie von Fragebogen.xlsx"
    """
    from .round import confirm

    for file, werkzeug in confirm(_load(project_dir), list(files)):
        click.echo(text("confirm.done", file=file, werkzeug_id=werkzeug.werkzeug_id, werkzeug=werkzeug.werkzeug))


@main.command("mail")
@_project_option
@click.option("--reminder", is_flag=True,
              help="Only Werkzeuge not returned yet or rejected at the last merge, with the reminder text.")
@click.option("--send", is_flag=True, help="Send through the SMTP server of werkstatt.toml instead of writing drafts.")
@click.option("--only", multiple=True, metavar="WERKZEUG-ID",
              help="Only these Werkzeuge (repeat the option or separate ids by commas).")
@click.option("--again", is_flag=True,
              help="With --send: send also what the sent-log lists, e.g. a second reminder round.")
@_user_errors
def mail_command(project_dir: Path, reminder: bool, send: bool, only: tuple[str, ...], again: bool):
    """Write one e-mail per recipient with its questionnaires attached, or send them.

    Without --send the e-mails are drafts in post/einladung/ (post/erinnerung/ with
    --reminder): .eml files that open in Outlook or Thunderbird, ready to check and send.
    With --send they go out through [mail] of werkstatt.toml; the password comes from the
    environment variable named there by password_env, else it is asked for. post/gesendet.csv
    records each e-mail sent, so a re-run sends only what did not go out yet.

    \b
    Examples:  werkstatt-xl mail -p runde-2026
               werkstatt-xl mail -p runde-2026 --reminder --send
    """
    from .round import (
        check_smtp_settings,
        plan_mail,
        send_mail,
        sent_log_path,
        write_mail_drafts,
    )

    if again and not send:
        raise click.UsageError(text("mail.again_without_send"))
    project = _load(project_dir)
    if send:
        check_smtp_settings(project.mail)
    ids = [part for value in only for part in value.replace(",", " ").split()]
    plan = plan_mail(project, reminder=reminder, only=ids or None)
    for warning in plan.warnings:
        click.echo(text("cli.warning", warning=warning), err=True)
    if plan.without_address:
        click.echo(text("cli.warning", warning=text("mail.no_address", catalogue=project.catalogue_path.name)),
                   err=True)
        for werkzeug in plan.without_address:
            click.echo(text("mail.no_address_row", werkzeug_id=werkzeug.werkzeug_id, row=werkzeug.row,
                            werkzeug=werkzeug.werkzeug), err=True)
    kind = text("mail.reminder" if reminder else "mail.invitation")
    if not plan.messages:
        click.echo(text("mail.no_reminders" if reminder else "mail.no_recipients"))
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
        password = _ask_password(settings)
    log = sent_log_path(project)
    result = send_mail(project, plan, password, again=again,
                       on_sent=lambda sent: click.echo(text("mail.sent_to", mail=sent.describe())))
    if result.skipped:
        click.echo(text("mail.skipped", emails=plural(len(result.skipped), "mail.email", "mail.emails", kind=kind),
                        log=log))
    click.echo(text("mail.sent", emails=plural(len(result.sent), "mail.email", "mail.emails", kind=kind)))


def _ask_password(settings) -> str:
    """The SMTP password, typed hidden; without a terminal (or input) to ask, an error naming the variable."""
    try:
        return click.prompt(text("mail.password_prompt", user=settings.user, host=settings.smtp_host,
                                 variable=settings.password_env), hide_input=True, err=True)
    except click.Abort:
        if sys.stdin is not None and sys.stdin.isatty():
            raise  # the person pressed Ctrl-C or Ctrl-D
        raise click.ClickException(text("mail.no_terminal_for_password", user=settings.user,
                                        variable=settings.password_env)) from None


@main.command("status")
@_project_option
@click.option("--format", "output_format", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True, help="text for people; csv or json (one row per Werkzeug) for scripts.")
@_user_errors
def status_command(project_dir: Path, output_format: str):
    """Show per Werkzeug, grouped by Fachamt, whether it is returned, issued or missing.

    Statuses: eingegangen, mit Problemen, abgelehnt (from the last merge), offen
    (questionnaire issued, nothing back yet), nicht ausgegeben (no questionnaire issued).

    \b
    Example:  werkstatt-xl status -p runde-2026 --format csv > stand.csv
    """
    from .round import render, status, unmerged_files

    project = _load(project_dir)
    waiting = unmerged_files(project)
    if waiting:
        click.echo(text("cli.warning", warning=plural(len(waiting), "status.unmerged_file", "status.unmerged_files",
                                                      inbox=project.inbox, project=project_dir)), err=True)
    click.echo(render(status(project), output_format), nl=False)


@main.command("report")
@_project_option
@click.option("--pdf", is_flag=True, help="Also write ergebnis/tabelle1.pdf (needs LibreOffice).")
@_user_errors
def report_command(project_dir: Path, pdf: bool):
    """Write Tabelle 1 (ergebnis/tabelle1.xlsx) from the register of the last merge.

    Columns, texts and which answers feed them come from the report definition
    ([files] report in werkstatt.toml; empty: the shipped tabelle1.toml). merge writes
    the table too; run report after changing the definition, or for the PDF.

    \b
    Example:  werkstatt-xl report -p runde-2026 --pdf
    """
    from .round import report

    result = report(_load(project_dir), pdf=pdf)
    click.echo(text("report.wrote", workbook=result.workbook,
                    werkzeuge=plural(result.werkzeuge, "count.werkzeug", "count.werkzeuge"),
                    without=len(result.without_return)))
    if result.pdf:
        click.echo(text("cli.wrote", path=result.pdf))
