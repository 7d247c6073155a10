"""Files on disk: atomic writes, CSV files as Excel saves them, e-mail-safe names."""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import socket
import stat
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from .errors import OutputError
from .messages import text

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""First bytes of an OLE2 compound file: a legacy .xls, or an Office file saved with a password."""

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def ascii_text(text: str, keep: str = "") -> str:
    """``text`` for a file name that survives e-mail: umlauts spelled out, other letters without
    accents, every run of characters other than letters, digits and ``keep`` one ``_``."""
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



_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
"""A cell starting with one of these is a formula to Excel (OWASP "CSV injection"), or starts with the
apostrophe that marks a neutralised cell."""


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell Excel shows as text: an apostrophe before a formula start (``=``, ``+``,
    ``-``, ``@``, tab, CR) and before a leading apostrophe, which :func:`csv_value` removes again."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def csv_value(cell: str) -> str:
    """The value :func:`csv_cell` wrote."""
    return cell[1:] if cell.startswith("'") else cell


def read_csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The column names and rows of a CSV file this project wrote with :func:`write_csv`, also as Excel
    may have re-saved it (``;`` or ``,``, UTF-8 or cp1252); a missing cell reads as ""."""
    content, _ = read_csv_text(path)
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=csv_delimiter(content))
    rows = [{key: csv_value(value or "") for key, value in row.items() if isinstance(key, str)} for row in reader]
    return list(reader.fieldnames or ()), rows


def write_csv(path: Path, columns: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    """Write a CSV file atomically, UTF-8 with the BOM Excel needs for umlauts, every cell through
    :func:`csv_cell`, so that no cell of a catalogue or a returned file becomes a formula in Excel."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([csv_cell(str(value)) for value in row] for row in rows)


_THIS_COMPUTER = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_NEW_FILE_PREFIX = f".wxl-{_THIS_COMPUTER}-"
"""How the name that :func:`create_file` gives a file while it writes it starts:
``.wxl-<this computer>-<pid>-<8 random characters><suffix>``. Only such files of this computer are ever
removed: not the office's own hidden files, nor what another computer is writing into a shared folder."""
_NEW_FILE_TEMPORARY = re.compile(re.escape(_NEW_FILE_PREFIX) + r"(\d+)-[a-z0-9_]{8}(\.[^.]*)?")


def create_file(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new file at ``path``, whole or not at all; False, and nothing written, when
    ``path`` exists: an existing file is never replaced. What a killed run left half-written is hidden
    (merge skips it) until :func:`remove_abandoned_files` clears it."""
    path = Path(path)
    try:
        handle, name = tempfile.mkstemp(prefix=f"{_NEW_FILE_PREFIX}{os.getpid()}-", suffix=path.suffix, dir=path.parent)
    except OSError as error:
        raise _explain(path, error) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, _permissions(path, 0o666))
        try:
            os.link(temporary, path)  # fails when the name is taken, however short ago
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links (a network share): claim the name, then fill it
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            os.replace(temporary, path)
        return True
    except FileExistsError:
        return False
    except OSError as error:
        raise _explain(path, error) from None
    finally:
        _remove([temporary])


def remove_abandoned_files(folder: Path) -> None:
    """Remove the files that :func:`create_file` left in ``folder`` when its process was killed."""
    for leftover in Path(folder).iterdir():
        match = _NEW_FILE_TEMPORARY.fullmatch(leftover.name)
        if match and leftover.is_file() and not _running(int(match.group(1))):
            _remove([leftover])


def _explain(path: Path, error: OSError) -> OutputError:
    """An :class:`OutputError` that says what went wrong, with the ``errno`` of ``error``."""
    if isinstance(error, PermissionError):
        explained = OutputError(text("error.output_permission", path=path))
    else:
        explained = OutputError(text("error.output_failed", path=path, reason=error.strerror or error))
    explained.errno = error.errno
    return explained


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
    with atomic_paths([target]) as (temporary,):
        yield temporary


@contextmanager
def atomic_paths(targets: list[Path]) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of ``targets``; on success they replace the targets, all or none.

    The previous targets are first set aside; if any cannot be (a file open in another program)
    or any new one cannot take its place, the ones already moved are put back. On any failure the
    temporary files are removed and every target stays as it was. What a killed run left (its
    temporary files, a swap cut short) is cleared up first.
    """
    targets = [Path(target) for target in targets]
    temporaries: list[Path] = []
    try:
        _recover(targets)
    except OSError as error:
        raise _explain(targets[0], error) from None
    for target in targets:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(target.parent, f".{target.stem}-", target.suffix)
            handle, name = tempfile.mkstemp(prefix=f".{target.stem}-{os.getpid()}-", suffix=target.suffix,
                                            dir=target.parent)
            os.close(handle)
            temporaries.append(Path(name))
            os.chmod(name, _permissions(target, 0o666))
        except OSError as error:
            _remove(temporaries)
            raise _explain(target, error) from None
    try:
        yield temporaries
        _swap_in(targets, temporaries)
    except OSError as error:
        _remove(temporaries)
        if isinstance(error, OutputError):  # explained already, by a writer inside
            raise
        raise _explain(getattr(error, "target", targets[0]), error) from None
    except BaseException:
        _remove(temporaries)
        raise


def _backup(target: Path) -> Path:
    """Where :func:`_swap_in` keeps the previous ``target`` while the new one takes its place."""
    return target.with_name(f".{target.name}-old")


def _recover(targets: list[Path]) -> None:
    """Finish what a run killed during :func:`_swap_in` left: if a target is missing beside set-aside
    previous ones, the swap was cut short and every target gets its previous file back; if all are in
    place, only the set-aside files are left to remove."""
    backups = [(target, _backup(target)) for target in targets if _backup(target).exists()]
    if any(not target.exists() for target, _ in backups):
        for target, backup in backups:
            os.replace(backup, target)
    else:
        _remove([backup for _, backup in backups])


def _swap_in(targets: list[Path], temporaries: list[Path]) -> None:
    """Move each temporary file onto its target, all or none; the error names the target that failed."""
    backups: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        for target in targets:
            if target.exists() and len(targets) > 1:
                _replace(target, _backup(target), target)
                backups.append((target, _backup(target)))
        for target, temporary in zip(targets, temporaries):
            _replace(temporary, target, target)
            placed.append(target)
    except OSError:
        _remove(placed)
        for target, backup in backups:
            with contextlib.suppress(OSError):
                os.replace(backup, target)
        raise
    _remove([backup for _, backup in backups])


def _replace(source: Path, destination: Path, target: Path) -> None:
    """``os.replace``; a failure carries ``target``, the file the person knows, for the message."""
    try:
        os.replace(source, destination)
    except OSError as error:
        error.target = target
        raise


def _remove(paths: list[Path]) -> None:
    """Remove what is left over, as far as possible: a failure here must not hide the real outcome."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on success it becomes ``target``.

    The previous ``target`` is set aside as ``.<name>-old`` until the new one is in place,
    put back if that fails, and recovered by the next run if the process died in between.
    """
    target = Path(target)
    previous = target.with_name(f".{target.name}-old")
    if target.exists() and not target.is_dir():
        raise OutputError(text("error.output_not_a_folder", path=target))
    try:
        if previous.is_dir() and not target.exists():  # a run that died between the two renames
            os.replace(previous, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(target.parent, f".{target.name}-new-")
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-{os.getpid()}-", dir=target.parent))
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
        if isinstance(error, OutputError):  # explained already, by a writer inside
            raise
        raise _explain(target, error) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _remove_abandoned(folder: Path, prefix: str, suffix: str = "") -> None:
    """Remove what runs that were killed left in ``folder``: ``<prefix><pid>-…<suffix>`` whose process is gone."""
    for leftover in folder.glob(f"{prefix}*{suffix}"):
        pid = leftover.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and _running(int(pid)):
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True
