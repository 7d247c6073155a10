"""A lost ausgabe.csv: rebuilt from the questionnaires in ausgang/, which carry their tokens, and said so;
no command issues new tokens behind the office's back."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from werkstatt_xl.cli import main
from werkstatt_xl.errors import ProjectError
from werkstatt_xl.issue_log import read_issue_log, rebuild_issue_log
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import generate, init_project, load_project, merge, plan_mail, status


@pytest.fixture
def returned(example_project):
    """The example round generated, its 55 returns in eingang/, and then ausgabe.csv deleted."""
    generate(example_project)
    for path in (example_path() / "eingang").iterdir():
        shutil.copy2(path, example_project.inbox / path.name)
    lost = read_issue_log(example_project.issue_log)
    example_project.issue_log.unlink()
    return example_project, lost


def tokens(entries) -> dict[str, str]:
    return {entry.werkzeug_id: entry.token for entry in entries}


def test_merge_rebuilds_the_lost_log_from_the_questionnaires_and_says_so(returned):
    project, lost = returned
    result = CliRunner().invoke(main, ["merge", "-p", str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"Warning: {project.issue_log} was missing; it was rebuilt from the 55 questionnaires in "
                             f"{project.outbox}, which carry the tokens they were issued with, so returns already "
                             "sent back still count.\n")
    assert result.stdout.startswith("Received 55 files: 55 accepted, 0 with problems, 0 rejected")
    rebuilt = read_issue_log(project.issue_log)
    assert tokens(rebuilt) == tokens(lost)
    assert [(entry.werkzeug, entry.file, entry.form_id, entry.form_version) for entry in rebuilt] == [
        (entry.werkzeug, entry.file, entry.form_id, entry.form_version) for entry in lost]
    assert merge(project).warnings == ()  # the log is back


def test_generate_keeps_the_tokens_of_the_questionnaires_in_ausgang(returned):
    project, lost = returned
    result = generate(project)
    assert (result.reused_tokens, tokens(result.issued)) == (55, tokens(lost))
    assert result.warnings == (f"{project.issue_log} was missing; it was rebuilt from the 55 questionnaires in "
                               f"{project.outbox}, which carry the tokens they were issued with, so returns already "
                               "sent back still count.",)
    assert merge(project).counts["accepted"] == 55


def test_status_counts_the_questionnaires_in_ausgang_as_issued(returned):
    project, _ = returned
    assert "nicht ausgegeben" not in set(status(project)["status"])
    assert not project.issue_log.exists()  # status only reads


def test_without_log_and_questionnaires_generate_refuses_to_reissue_what_came_back(returned):
    project, _ = returned
    shutil.rmtree(project.outbox)
    project.outbox.mkdir()
    with pytest.raises(ProjectError, match="every return already out would be rejected") as caught:
        generate(project)
    assert "werkstatt-xl generate --reissue" in str(caught.value)
    with pytest.raises(ProjectError) as caught:
        merge(project)
    assert "restore ausgabe.csv or the questionnaires in ausgang/ from a backup" in str(caught.value)
    assert generate(project, reissue=True).reused_tokens == 0


def test_files_without_a_questionnaires_identity_are_left_out_and_named(returned):
    project, lost = returned
    (project.outbox / "notiz.txt").write_text("keine Kennung", encoding="utf-8")
    result = merge(project)
    assert result.warnings[0].endswith(" These files there carry no questionnaire's identity and were left out: "
                                       "notiz.txt.")
    issued, without_identity = rebuild_issue_log([project.outbox / lost[0].file, project.outbox / "notiz.txt"],
                                                 {})
    assert ([entry.token for entry in issued], without_identity) == ([lost[0].token], [project.outbox / "notiz.txt"])


def test_mail_writes_to_the_questionnaires_in_ausgang_when_the_log_is_lost(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    settings = project.root / "werkstatt.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        'sender = ""', 'sender = "Demografiewerkstatt <demografie@example.org>"'), encoding="utf-8")
    project.issue_log.unlink()
    plan = plan_mail(load_project(project.root))
    assert sum(len(mail.werkzeug_ids) for mail in plan.messages) == 55
    assert any("ausgabe.csv" in warning for warning in plan.warnings)
