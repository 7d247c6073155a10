"""files: atomic writes of files and folders."""

import os
import subprocess

import pytest

from werkstatt_xl import files
from werkstatt_xl.errors import OutputError
from werkstatt_xl.files import atomic_directory, atomic_path


def test_a_failed_swap_puts_the_previous_folder_back(tmp_path, monkeypatch):
    outbox = tmp_path / "ausgang"
    outbox.mkdir()
    (outbox / "ausgabe.csv").write_text("alt")
    real_replace, calls = os.replace, []

    def second_rename_fails(source, target):
        calls.append((source, target))
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", second_rename_fails)
    with pytest.raises(OutputError), atomic_directory(outbox) as folder:
        (folder / "ausgabe.csv").write_text("neu")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ausgang"]
    assert (outbox / "ausgabe.csv").read_text() == "alt"


def test_a_run_that_died_between_the_renames_is_recovered(tmp_path):
    (tmp_path / ".ausgang-old").mkdir()
    (tmp_path / ".ausgang-old" / "ausgabe.csv").write_text("alt")
    with atomic_directory(tmp_path / "ausgang") as folder:
        assert (tmp_path / "ausgang" / "ausgabe.csv").read_text() == "alt"
        (folder / "ausgabe.csv").write_text("neu")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ausgang"]
    assert (tmp_path / "ausgang" / "ausgabe.csv").read_text() == "neu"


def test_an_atomic_file_leaves_the_old_one_when_writing_fails(tmp_path):
    target = tmp_path / "master.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert [path.name for path in tmp_path.iterdir()] == ["master.xlsx"]


@pytest.mark.parametrize("value", ["=1+1", "+49 2421", "-3", "@SUM(A1)", "\tx", "\rx", "'", "''=x", "plain", ""])
def test_csv_cells_are_neutralised_for_excel_and_read_back_exactly(tmp_path, value):
    path = tmp_path / "log.csv"
    files.write_csv(path, ["wert"], [[value]])
    written = path.read_bytes().decode("utf-8-sig").split("\r\n")[1]
    assert not written.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))
    assert files.read_csv_rows(path) == (["wert"], [{"wert": value}])
    excel = tmp_path / "excel.csv"  # as a German Excel saves it again: ';', cp1252
    excel.write_bytes(path.read_bytes().decode("utf-8-sig").replace(",", ";").encode("cp1252"))
    assert files.read_csv_rows(excel) == (["wert"], [{"wert": value}])


def test_a_killed_run_leaves_no_half_built_folder_for_long(tmp_path):
    """The next run removes what a killed one left; a folder of a run still going is kept."""
    dead = _finished_pid()
    abandoned = tmp_path / f".ausgang-new-{dead}-k1ll3d"
    running = tmp_path / f".ausgang-new-{os.getpid()}-busy"
    older_version = tmp_path / ".ausgang-new-x7yq2ab"
    for folder in (abandoned, running, older_version):
        folder.mkdir()
        (folder / "1-01_Fragebogen.xlsx").write_bytes(b"half")
    with atomic_directory(tmp_path / "ausgang") as folder:
        (folder / "ausgabe.csv").write_text("neu")
    assert sorted(path.name for path in tmp_path.iterdir()) == [running.name, "ausgang"]


def _finished_pid() -> int:
    """The process id of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_run_killed_while_swapping_two_files_is_undone_by_the_next(tmp_path):
    master, report = tmp_path / "master.xlsx", tmp_path / "tabelle1.xlsx"
    # killed after the new master took its place, before the new Tabelle 1 did:
    master.write_text("neu")
    (tmp_path / ".master.xlsx-old").write_text("alt")
    (tmp_path / ".tabelle1.xlsx-old").write_text("alt")
    (tmp_path / f".tabelle1-{_finished_pid()}-x1.xlsx").write_text("halb")
    with pytest.raises(RuntimeError):
        with files.atomic_paths([master, report]):
            raise RuntimeError("stopped before writing")
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == {"master.xlsx": "alt",
                                                                           "tabelle1.xlsx": "alt"}


def test_a_swap_that_finished_but_was_killed_before_tidying_up_keeps_the_new_files(tmp_path):
    master, report = tmp_path / "master.xlsx", tmp_path / "tabelle1.xlsx"
    master.write_text("neu")
    report.write_text("neu")
    (tmp_path / ".master.xlsx-old").write_text("alt")
    with files.atomic_paths([master, report]) as (new_master, new_report):
        new_master.write_text("neuer")
        new_report.write_text("neuer")
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == {"master.xlsx": "neuer",
                                                                           "tabelle1.xlsx": "neuer"}
