"""What goes wrong around the project, not in it: a full disk, a folder that cannot exist, a password
the terminal cannot ask for or smtplib cannot send. Each is a message and exit code 1, never a
traceback, never a secret, and nothing half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_mail import PASSWORD_ENV, make_project, smtp_server  # noqa: F401  (smtp_server is a fixture)

from werkstatt_xl.cli import main
from werkstatt_xl.resources import example_path
from werkstatt_xl.round import generate, init_project

UMLAUT_PASSWORD = "Grüße-2026"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input)


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "48k"):
    """``folder`` on a tiny tmpfs of its own: the real ENOSPC of a full disk. Skips where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


NO_STRAY_TRACEBACK = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
"""A half-written zip file collected later would print "Exception ignored ... Traceback" on stderr."""


@NO_STRAY_TRACEBACK
def test_generate_on_a_full_disk_says_so_and_keeps_the_outbox(tmp_path):
    with full_disk(tmp_path / "disk", "160k") as disk:
        project = init_project(disk / "runde", example=True)
        before = project.issue_log.read_bytes()
        result = run("generate", "-p", project.root)
        assert result.exit_code == 1, result.output
        assert "No space left on device" in result.output and "Traceback" not in result.output
        assert sorted(path.name for path in project.outbox.iterdir()) == ["ausgabe.csv"]
        assert project.issue_log.read_bytes() == before
        assert sorted(path.name for path in project.root.iterdir()) == [
            "ausgang", "eingang", "ergebnis", "katalog.xlsx", "vorlagen", "werkstatt.toml"]  # no half-built folder


@NO_STRAY_TRACEBACK
def test_merge_and_report_on_a_full_disk_say_so_and_keep_the_previous_workbooks(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    for path in (example_path() / "eingang").iterdir():
        shutil.copyfile(path, project.inbox / path.name)
    with full_disk(project.results, "1m"):
        assert run("merge", "-p", project.root).exit_code == 0
        before = {path.name: path.read_bytes() for path in project.results.iterdir()}
        filler = project.results / "filler"
        with filler.open("wb", buffering=0) as handle:  # take what is left of the disk
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * 4096)
        for command in ("merge", "report"):
            result = run(command, "-p", project.root)
            assert result.exit_code == 1, result.output
            assert "No space left on device" in result.output and "Traceback" not in result.output
            assert {path.name: path.read_bytes() for path in project.results.iterdir() if path != filler} == before


@pytest.mark.parametrize("place", ["under_a_file", "proc", "sys"])
def test_init_where_no_folder_can_be_is_a_message(tmp_path, place):
    target = {"under_a_file": tmp_path / "notiz.txt" / "runde", "proc": Path("/proc/runde"),
              "sys": Path("/sys/runde")}[place]
    (tmp_path / "notiz.txt").write_text("x")
    result = run("init", target)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {target}: cannot create the project folder here (")
    assert not target.exists()


def test_a_password_with_umlauts_logs_in_and_is_never_shown(tmp_path, smtp_server, monkeypatch):  # noqa: F811
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def accept(server, session, envelope, mechanism, auth_data):
        valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"wxl", UMLAUT_PASSWORD.encode())
        return AuthResult(success=valid, handled=False)

    inbox = smtp_server(authenticator=accept, auth_required=True, auth_require_tls=False)
    project = make_project(tmp_path, smtp_port=inbox.port, user="wxl")
    monkeypatch.setenv(PASSWORD_ENV, UMLAUT_PASSWORD)
    sent = run("mail", "-p", project.root, "--send", "--only", "W1")
    assert sent.exit_code == 0, sent.output
    assert inbox.recipients == [["schule@example.org"]]

    monkeypatch.setenv(PASSWORD_ENV, "Falsch-ä")
    refused = run("mail", "-p", project.root, "--send", "--only", "W3")
    assert refused.exit_code == 1 and "login as 'wxl'" in refused.output and "failed (535" in refused.output
    assert "ä" not in refused.output and "Falsch" not in refused.output and "Traceback" not in refused.output


def test_mail_send_without_a_terminal_for_the_password_names_the_variable(tmp_path, smtp_server):  # noqa: F811
    inbox = smtp_server()
    project = make_project(tmp_path, smtp_port=inbox.port, user="wxl")
    script = "import sys\nfrom werkstatt_xl.cli import main\nsys.exit(main())"
    environment = {key: value for key, value in os.environ.items() if key != PASSWORD_ENV}
    completed = subprocess.run([sys.executable, "-c", script, "mail", "-p", str(project.root), "--send"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, env=environment,
                               timeout=60, cwd=tmp_path)  # not the checkout: its werkstatt_xl/ is not the installed one
    assert completed.returncode == 1
    assert completed.stderr.endswith("Error: a password is needed for [mail] user = 'wxl', and there is no terminal "
                                     f"to ask for it: set the environment variable {PASSWORD_ENV}.\n")
    assert "Traceback" not in completed.stderr and inbox.envelopes == []


def running(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_killed_merge_leaves_no_reader_processes_behind(tmp_path):
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    for copy in range(8):  # enough returns to be read by a pool of processes
        for path in (example_path() / "eingang").iterdir():
            shutil.copyfile(path, project.inbox / f"{copy}-{path.name}")
    merge = subprocess.Popen([sys.executable, "-c", "from werkstatt_xl.cli import main; main()", "merge", "-p",
                              str(project.root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    children: list[int] = []
    deadline = time.monotonic() + 60
    while not children and merge.poll() is None and time.monotonic() < deadline:
        tasks = Path(f"/proc/{merge.pid}/task")
        children = [int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()]
        time.sleep(0.005)
    if not children:
        pytest.skip("the merge finished before its readers could be seen")
    merge.kill()
    merge.wait()
    deadline = time.monotonic() + 10
    while any(map(running, children)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in children if running(pid)] == []


def test_readers_the_command_started_end_with_a_merge_that_stops(tmp_path, monkeypatch):
    """``werkstatt-xl merge`` starts its readers before it loads the project; a project it then cannot merge
    ends them, and says why as it always did."""
    import multiprocessing

    from werkstatt_xl.round import reading

    monkeypatch.setattr(reading, "PARALLEL_FROM", 1)
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    for path in (example_path() / "eingang").iterdir():
        shutil.copyfile(path, project.inbox / path.name)
    (project.root / "werkstatt.toml").write_text("[files\n", encoding="utf-8")
    result = run("merge", "-p", project.root)
    assert result.exit_code == 1 and "werkstatt.toml" in result.output and "Traceback" not in result.output
    assert multiprocessing.active_children() == []


def test_the_readers_of_one_project_do_not_merge_another(tmp_path):
    from werkstatt_xl.round import merge, reading_project

    one, other = init_project(tmp_path / "eins", example=True), init_project(tmp_path / "zwei", example=True)
    with reading_project(one.root) as reads, pytest.raises(ValueError, match="returns read are those of"):
        merge(other, reads=reads)


def test_the_command_leaves_with_its_exit_code_and_all_it_printed(tmp_path):
    """``python -m werkstatt_xl`` skips Python's tear-down: what it printed still arrives whole, with the exit
    code of the command, also when stopped by an error."""
    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    for path in (example_path() / "eingang").iterdir():
        shutil.copyfile(path, project.inbox / path.name)
    command = [sys.executable, "-m", "werkstatt_xl", "merge", "-p", str(project.root)]
    merged = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, "LANG": "C"})
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.startswith("Received 55 files: 55 accepted")
    assert merged.stdout.endswith(f"{project.root / 'redaktion.xlsx'}: write there the text Tabelle 1 shall print "
                                  "instead of the answers, where the office decides so.\n")
    project.issue_log.unlink()
    shutil.rmtree(project.outbox)
    stopped = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                             env={**os.environ, "LANG": "C"})
    assert stopped.returncode == 1 and stopped.stdout == ""
    assert stopped.stderr.startswith("Error: ") and "no record of questionnaires issued" in stopped.stderr


@pytest.mark.skipif(os.name != "posix", reason="closes a descriptor in the child before it starts")
@pytest.mark.parametrize("closed", [1, 2], ids=["stdout", "stderr"])
def test_the_command_leaves_with_exit_code_0_where_its_output_has_no_descriptor(tmp_path, closed):
    """Started with no standard output or error (a scheduled task, pythonw), Python has ``sys.stdout`` or
    ``sys.stderr`` None: nothing to flush, and the command's own exit code."""
    completed = subprocess.run([sys.executable, "-m", "werkstatt_xl", "--version"], capture_output=True, text=True,
                               timeout=60, cwd=tmp_path, preexec_fn=lambda: os.close(closed))
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("setting", ['catalogue = ""', 'catalogue = "ergebnis"', 'report = "ergebnis"'])
def test_a_file_setting_that_names_a_folder_is_a_message(tmp_path, setting):
    project = init_project(tmp_path / "runde", example=True)
    settings = project.root / "werkstatt.toml"
    key = setting.split(" ")[0]
    lines = [setting if line.startswith(f"{key} =") else line for line in settings.read_text("utf-8").splitlines()]
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("generate" if key == "catalogue" else "merge", "-p", project.root)
    line = lines.index(setting) + 1
    assert result.exit_code == 1 and f"the settings file has errors:\n  line {line}: [files] {key} " in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("damage", ["renamed_sheet", "no_key_row", "not_a_workbook"])
def test_a_damaged_master_is_a_message_for_status_report_and_mail(tmp_path, damage):
    from openpyxl import load_workbook

    project = init_project(tmp_path / "runde", example=True)
    generate(project)
    assert run("merge", "-p", project.root).exit_code == 0
    if damage == "not_a_workbook":
        project.master_path.write_bytes(b"PK\x03\x04 kaputt")
    else:
        workbook = load_workbook(project.master_path)
        if damage == "renamed_sheet":
            workbook["Register"].title = "Meine Liste"
        else:
            workbook["Register"].delete_rows(1)
        workbook.save(project.master_path)
    for command in (["status"], ["report"], ["mail", "--reminder"]):
        result = run(*command, "-p", project.root)
        assert result.exit_code == 1, (command, result.output)
        assert f"{project.master_path} cannot be read (" in result.output and "merge" in result.output
