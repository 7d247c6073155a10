"""``generate``: one questionnaire per Werkzeug into ``ausgang/``, and the issue log."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..catalogue import load_catalogue, write_catalogue_ids
from ..errors import ProjectError
from ..files import atomic_directory
from ..ingest import DEFAULT_LIMITS
from ..issue_log import ISSUE_LOG, IssuedQuestionnaire, write_issue_log
from ..messages import text
from ..questionnaire import file_names, render_questionnaire, sheet_rows, too_long_rules, unfit_defaults
from ..rounds import previous_answers
from ..settings import CONFIG_NAME
from .nextround import previous_round, reworded_questions
from .project import Project, issued_questionnaires
from .reading import Progress, returned_files


@dataclass(frozen=True)
class GenerateResult:
    outbox: Path
    issued: tuple[IssuedQuestionnaire, ...]
    reused_tokens: int
    warnings: tuple[str, ...]
    stored_ids: bool = False
    """True when derived Werkzeug-IDs were written into the catalogue (``write_ids``)."""
    prefilled: int = 0
    """How many questionnaires carry last round's answers (``[round] prefill``)."""


def generate(project: Project, reissue: bool = False, write_ids: bool = False,
             on_progress: Progress | None = None) -> GenerateResult:
    """Write one questionnaire per Werkzeug and ``ausgabe.csv`` into ``project.outbox``.

    The folder is built aside and swapped in only when complete. Tokens of questionnaires
    already issued (same Werkzeug, form and version) are kept unless ``reissue``, also when
    ``ausgabe.csv`` is lost (see :func:`issued_questionnaires`); without either record but with
    returns in ``eingang/`` only ``reissue`` issues new ones. With ``write_ids``, Werkzeug-IDs
    derived from names are first stored in the catalogue. Where the project knows its previous round,
    a form version or title unchanged since then is warned of, and with ``[round] prefill`` each
    questionnaire carries its Werkzeug's answers of that round.
    """
    form = project.read_form()
    rows = sheet_rows(form, project.repeat_rows)
    if rows > DEFAULT_LIMITS.max_rows:  # merge would refuse every return as too large
        raise ProjectError(text("generate.too_many_rows", form=project.form_path, rows=rows,
                                most=DEFAULT_LIMITS.max_rows, config=project.root / CONFIG_NAME))
    last_round = previous_round(project)
    answers = (previous_answers(last_round.register, form, reworded_questions(project, form, last_round))
               if last_round and project.prefill else {})
    catalogue = load_catalogue(project.catalogue_path)
    stored_ids = write_ids and catalogue.derived_ids
    if stored_ids:
        write_catalogue_ids(catalogue)
        catalogue = load_catalogue(project.catalogue_path)
    recorded, notice = ([], "") if reissue else issued_questionnaires(project, catalogue)
    if not (reissue or recorded) and project.inbox.is_dir() and returned_files(project.inbox):
        raise ProjectError(text("generate.records_lost", log=project.issue_log, outbox=project.outbox,
                                inbox=project.inbox))
    previous = {entry.werkzeug_id: entry for entry in recorded
                if (entry.form_id, entry.form_version) == (form.form_id, form.version)}
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    names = file_names(catalogue)
    issued, reused = [], 0
    with atomic_directory(project.outbox) as folder:
        for werkzeug in catalogue.werkzeuge:
            earlier = previous.get(werkzeug.werkzeug_id)
            reused += earlier is not None
            entry = IssuedQuestionnaire(
                werkzeug.werkzeug_id, werkzeug.werkzeug, names[werkzeug.werkzeug_id],
                earlier.token if earlier else secrets.token_hex(8), form.form_id, form.version,
                earlier.issued_at if earlier else now,
            )
            render_questionnaire(folder / entry.file, form, werkzeug, entry.token, project,
                                 answers.get(werkzeug.werkzeug_id))
            issued.append(entry)
            if on_progress:
                on_progress(len(issued), len(catalogue.werkzeuge))
        write_issue_log(folder / ISSUE_LOG, issued)
    warnings = [problem.message for problem in form.notices]
    warnings += [text("form.at_row", row=question.row, problem=text("form.on_sheet", sheet="survey", problem=text(
        "generate.default_unfit", name=question.name, default=question.default))) for question in unfit_defaults(form)]
    warnings += [text("form.at_row", row=question.row, problem=text("form.on_sheet", sheet="survey", problem=text(
        f"generate.too_long.{column}", name=question.name))) for question, column in too_long_rules(form)]
    warnings += [notice] if notice else []
    if catalogue.derived_ids:
        warnings.append(text("generate.derived_ids", catalogue=catalogue.path.name))
    if last_round and (form.form_id, form.version) == (last_round.form_id, last_round.form_version):
        warnings.append(text("generate.same_version", version=form.version, form=project.form_path))
    if last_round and project.title == last_round.title:
        warnings.append(text("generate.same_title", title=project.title))
    if project.prefill and not last_round:
        warnings.append(text("generate.prefill_without_previous"))
    prefilled = sum(werkzeug.werkzeug_id in answers for werkzeug in catalogue.werkzeuge)
    return GenerateResult(project.outbox, tuple(issued), reused, tuple(warnings), stored_ids, prefilled)
