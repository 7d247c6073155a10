"""Shared fixtures: the terminal's language, projects in real folders, LibreOffice and Gnumeric as other clients."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from werkstatt_xl.messages import language

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


@pytest.fixture(scope="session", autouse=True)
def english_terminal():
    """An English environment for every test, whatever the machine's (subprocesses inherit it): tests
    assert the terminal's English texts. A test that asks for :func:`german` gets German instead."""
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            patch.delenv(variable, raising=False)
        patch.setenv("LANG", "C")
        language.cache_clear()
        yield


@pytest.fixture
def german(monkeypatch):
    """A German environment for this test: the terminal's texts, --help and click's own words are German."""
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    language.cache_clear()
    yield
    language.cache_clear()


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """``convert(path, target_format, out_dir) -> Path`` through LibreOffice; skips without it.

    Uses a private user profile, so parallel runs and a running LibreOffice do not collide.
    """
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(path: Path, target_format: str, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", target_format, "--outdir", str(out_dir), str(path)],
            check=True, capture_output=True, timeout=180,
        )
        extension = target_format.split(":", 1)[0]
        result = out_dir / f"{Path(path).stem}.{extension}"
        assert result.is_file(), f"LibreOffice wrote no {result.name}"
        return result

    return convert


@pytest.fixture(scope="session")
def ssconvert():
    """``convert(source, target) -> target`` through Gnumeric's ssconvert; skips without it."""
    binary = shutil.which("ssconvert")
    if binary is None:
        pytest.skip("Gnumeric (ssconvert) is not installed: apt-get install gnumeric")

    def convert(source: Path, target: Path) -> Path:
        subprocess.run([binary, str(source), str(target)], check=True, capture_output=True, timeout=180)
        assert target.is_file(), f"ssconvert wrote no {target.name}"
        return target

    return convert


@pytest.fixture
def example_project(tmp_path):
    """A fresh project folder initialised with the Kreis Düren example."""
    from werkstatt_xl.round import init_project

    return init_project(tmp_path / "runde", example=True)


def write_xlsform(path: Path, markdown: str) -> Path:
    """Write a pyxform-style markdown form to ``path`` as an XLSForm workbook.

    A row whose first cell is filled starts a sheet of that name; the following rows
    (first cell empty) are its rows, the first of them the header::

        | survey |
        |        | type | name | label |
        |        | text | a    | A     |
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = None
    for line in markdown.strip().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0]:
            sheet = workbook.create_sheet(cells[0])
        else:
            sheet.append([cell or None for cell in cells[1:]])
    workbook.save(path)
    return path


@pytest.fixture
def xlsform(tmp_path):
    """``make(markdown, name="form.xlsx") -> Path``: an XLSForm written from markdown tables."""
    return lambda markdown, name="form.xlsx": write_xlsform(tmp_path / name, markdown)


@pytest.fixture
def seed_dir():
    """The seed documents (``../shared/seed``); skips the test where they are not checked out."""
    if not SEED.is_dir():
        pytest.skip(f"the seed documents are not here: {SEED}")
    return SEED


@pytest.fixture
def dovecot():
    """A real IMAP server (Dovecot) on a free port of 127.0.0.1 with an empty mailbox; skips without Dovecot."""
    from imap_server import DOVECOT, Dovecot

    if DOVECOT is None:
        pytest.skip("Dovecot is not installed: apt-get install dovecot-imapd")
    server = Dovecot().start()
    yield server
    server.remove()
