"""The ``werkstatt-xl`` command: parse options, call the library, print, set the exit code."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from . import __version__

_project_option = click.option(
    "-p", "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
    show_default=True, help="The survey project folder (with werkstatt.toml).")


def _user_errors(command):
    """Turn the library's errors about user input into a message and exit code 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .catalogue import CatalogueError
        from .form import FormError
        from .project import ProjectError
        from .xlsx import OutputError

        try:
            return command(*args, **kwargs)
        except (CatalogueError, FormError, ProjectError, OutputError) as error:
            raise click.ClickException(str(error)) from None
    return wrapper


def _load(project_dir: Path, **overrides):
    from .project import load_project

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


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--example", is_flag=True, help="Fill in the Kreis Düren catalogue (55 Werkzeuge).")
@click.option("--force", is_flag=True, help="Write settings and catalogue even if the folder is not empty.")
@_user_errors
def init(directory: Path, example: bool, force: bool):
    """Create a survey project folder.

    Writes werkstatt.toml, an empty katalog.xlsx (or the example's) and the folders
    ausgang/, eingang/, ergebnis/. Returned files in eingang/ are never touched.

    \b
    Example:  werkstatt-xl init runde-2026 --example
    """
    from .project import init_project

    project = init_project(directory, example=example, force=force)
    click.echo(f"Created project {project.root}")
    click.echo(f"Next: fill in {project.catalogue_path.name}, then 'werkstatt-xl generate -p {directory}'.")


@main.command()
@_project_option
@click.option("--catalogue", help="Catalogue file instead of the one in werkstatt.toml.")
@click.option("--form", help="XLSForm questionnaire instead of the one in werkstatt.toml.")
@click.option("--title", help="Title of the round printed on every questionnaire.")
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), help="Return date, e.g. 2026-12-15.")
@click.option("--reissue", is_flag=True, help="New tokens for all questionnaires (earlier ones are then rejected).")
@click.option("--write-ids", is_flag=True, help="Store derived Werkzeug-IDs in the catalogue.")
@_user_errors
def generate(project_dir: Path, catalogue, form, title, deadline, reissue: bool, write_ids: bool):
    """Write one questionnaire per Werkzeug into ausgang/, and ausgang/ausgabe.csv.

    \b
    Example:  werkstatt-xl generate -p runde-2026 --deadline 2026-12-15
    """
    from .catalogue import load_catalogue, write_catalogue_ids
    from .questionnaire import generate as generate_round

    project = _load(project_dir, catalogue=catalogue, form=form, title=title,
                    deadline=deadline.date() if deadline else None)
    if write_ids:
        loaded = load_catalogue(project.catalogue_path)
        if loaded.derived_ids:
            write_catalogue_ids(loaded)
            click.echo(f"Stored Werkzeug-IDs in {loaded.path.name}.")
    total = len(load_catalogue(project.catalogue_path).werkzeuge)
    with click.progressbar(length=total, label="Fragebögen", file=sys.stderr) as bar:
        result = generate_round(project, reissue=reissue, on_progress=lambda _: bar.update(1))
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Wrote {len(result.issued)} questionnaires to {result.outbox} "
               f"({result.reused_tokens} kept their token, {len(result.issued) - result.reused_tokens} new).")


@main.command()
@_project_option
@click.option("--strict", is_flag=True, help="Exit with 1 when any returned file has problems or was rejected.")
@_user_errors
def merge(project_dir: Path, strict: bool):
    """Read the returned questionnaires in eingang/ into ergebnis/master.xlsx and tabelle1.xlsx.

    Returned files are only read, never changed. Files that cannot be used are listed
    with the reason on the sheet "Prüfung"; the rest is merged.

    \b
    Example:  werkstatt-xl merge -p runde-2026
    """
    from .ingest import is_ignored
    from .register import merge as merge_returns

    project = _load(project_dir)
    total = sum(1 for path in project.inbox.rglob("*") if path.is_file() and not is_ignored(path)) \
        if project.inbox.is_dir() else 0
    with click.progressbar(length=total, label="Rückläufe", file=sys.stderr) as bar:
        result = merge_returns(project, on_progress=lambda _: bar.update(1))
    counts = result.counts
    click.echo(f"Received {counts['received']} files: {counts['accepted']} accepted, "
               f"{counts['with_problems']} with problems, {counts['rejected']} rejected, "
               f"{counts['superseded']} superseded or duplicate.")
    click.echo(f"Still missing: {counts['missing']} of {len(result.register)} Werkzeuge.")
    click.echo(f"Wrote {result.master_path}")
    if result.report_path:
        click.echo(f"Wrote {result.report_path}")
    if strict and (counts["with_problems"] or counts["rejected"]):
        raise click.ClickException("problems were found in returned files (see the sheet 'Prüfung'); "
                                   "--strict turns them into a failure.")
