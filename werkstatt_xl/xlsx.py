"""Shared writing helpers: atomic saves and workbooks that never turn text into formulas."""

from __future__ import annotations

import codecs
import io
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""First bytes of an OLE2 compound file: a legacy .xls, or an Office file saved with a password."""

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def ascii_text(text: str, keep: str = "") -> str:
    """``text`` for a file name that survives e-mail: umlauts spelled out, other letters without
    accents, every run of characters other than letters, digits and ``keep`` one ``_``."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION)).encode("ascii", "ignore").decode()
    return re.sub(rf"[^A-Za-z0-9{re.escape(keep)}]+", "_", plain)


def read_csv_text(path: Path) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with the BOM Excel writes, if there), else cp1252."""
    data = path.read_bytes()
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def csv_delimiter(text: str) -> str:
    """The separator the header line uses most: ``,``, or ``;`` as a German Excel writes."""
    header = text.partition("\n")[0]
    return max(",;\t", key=header.count)



def read_workbook_rows(path: Path, first_only: bool = False) -> dict[str, list[list]]:
    """Sheet name -> rows of cell values, for the workbooks a person edits (catalogue, form).

    Read with python-calamine (fast, no openpyxl import): empty cells are ``None``, integral
    numbers ``int``. Raises ``ValueError`` with a reason when the file is no readable workbook.
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several types for files that are no workbook
        raise ValueError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None
    try:
        names = workbook.sheet_names[:1] if first_only else workbook.sheet_names
        return {name: [[_plain(value) for value in row]
                       for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in names}
    finally:
        workbook.close()


def _plain(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as Excel may have re-saved it (``;`` or ``,``, UTF-8 or cp1252)."""
    import csv

    text, _ = read_csv_text(path)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text)))


SAFE_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}
"""XlsxWriter options for anything that holds untrusted text: ``=HYPERLINK(..)`` stays text."""


class InputFileError(ValueError):
    """A file a person edits (catalogue, form, report definition) that cannot be used.

    The message names the file, lists every problem (with row or line) and says what to do.
    """

    what = "file"
    remedy = "Correct it and run the command again."
    most_shown = 20

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = Path(path), problems
        shown = problems[:self.most_shown]
        if len(problems) > self.most_shown:
            shown.append(f"... and {len(problems) - self.most_shown} more")
        lines = "\n".join(f"  {problem}" for problem in shown)
        super().__init__(f"{self.path}: the {self.what} has errors:\n{lines}\n{self.remedy}")


class OutputError(OSError):
    """An output file or folder that cannot be written; the message says what to do."""


def _explain(path: Path, error: OSError) -> OutputError:
    if isinstance(error, PermissionError):
        return OutputError(f"{path}: cannot write here (permission denied). If the file is open in Excel "
                           "or LibreOffice, close it; otherwise check the folder's permissions, then run "
                           "the command again.")
    return OutputError(f"{path}: cannot write ({error.strerror or error}). Check the disk and the folder, "
                       "then run the command again.")


def _permissions(target: Path, default: int) -> int:
    """The mode of ``target`` if it exists, else ``default`` less the umask.

    ``mkstemp``/``mkdtemp`` create private 0600/0700 entries; a shared project folder needs
    the permissions any other program would give the file.
    """
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return default & ~umask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.

    On any failure the temporary file is removed and ``target`` stays as it was.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
        os.close(handle)
        os.chmod(name, _permissions(target, 0o666))
    except OSError as error:
        raise _explain(target, error) from None
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _explain(target, error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on success it becomes ``target``.

    The previous ``target`` is set aside as ``.<name>-old`` until the new one is in place,
    put back if that fails, and recovered by the next run if the process died in between.
    """
    target = Path(target)
    previous = target.with_name(f".{target.name}-old")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} is a file, not a folder. Rename or move it, then run the command again.")
    try:
        if previous.is_dir() and not target.exists():  # a run that died between the two renames
            os.replace(previous, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
        os.chmod(temporary, _permissions(target, 0o777))
    except OSError as error:
        raise _explain(target, error) from None
    try:
        yield temporary
        shutil.rmtree(previous, ignore_errors=True)
        if target.exists():
            os.replace(target, previous)
        try:
            os.replace(temporary, target)
        except OSError:
            if previous.exists() and not target.exists():
                os.replace(previous, target)
            raise
        shutil.rmtree(previous, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        raise _explain(target, error) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def new_workbook(path: Path):
    """An XlsxWriter workbook with :data:`SAFE_WORKBOOK_OPTIONS`."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), SAFE_WORKBOOK_OPTIONS)


def column_letter(index: int) -> str:
    """0 -> ``A``, 27 -> ``AB``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_name(row: int, column: int, absolute: bool = False) -> str:
    """Zero-based ``(row, column)`` -> ``C12`` (or ``$C$12``)."""
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letter(column)}{dollar}{row + 1}"
