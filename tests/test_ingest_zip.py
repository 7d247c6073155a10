"""The guards' own reader of a zip's central directory against Python's zipfile, whose every check it keeps:
the same entries where zipfile reads them, a refusal where zipfile refuses (on real workbooks, archives of
every legal shape and damaged central directories); and the stored package calamine reads instead of the
file, which must hold exactly what the guards checked."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

import pytest
from ingest_files import ODS_TABLES, write_ods, write_questionnaire
from python_calamine import CalamineWorkbook

from werkstatt_xl.ingest import DEFAULT_LIMITS, IngestError, read_return, spreadsheet_format
from werkstatt_xl.ingest.zip import _ZIP_ERRORS, _central_directory, _inspect_zip
from werkstatt_xl.messages import Code

FIELDS = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset")


def as_zipfile_reads(data: bytes) -> list[tuple] | None:
    """The entries zipfile reads, None where it refuses the archive."""
    try:
        return [tuple(getattr(info, name) for name in FIELDS) for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    except _ZIP_ERRORS + (EOFError,):
        return None


def as_guards_read(data: bytes) -> list[tuple] | None:
    try:
        return [tuple(getattr(entry, name) for name in FIELDS) for entry in _central_directory(data)]
    except _ZIP_ERRORS:
        return None


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> bytes:
    return write_questionnaire(tmp_path_factory.mktemp("zip") / "fragebogen.xlsx").read_bytes()


def archive(entries: dict[str, bytes], *, comment: bytes = b"", method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as target:
        for name, content in entries.items():
            target.writestr(name, content)
        target.comment = comment
    return buffer.getvalue()


def zip64_archive(entries: dict[str, bytes]) -> bytes:
    """Stored entries whose sizes and offsets stand only in zip64 extra fields, and a zip64 end record, as
    writers do for archives beyond 4 GB (written here by hand: zipfile writes them only where needed)."""
    local, directory = b"", b""
    for name, content in entries.items():
        crc, encoded = zipfile.crc32(content), name.encode()
        extra = struct.pack("<HHQQQ", 1, 24, len(content), len(content), len(local))
        directory += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 45, 3, 45, 0, 0, 0, 0, 0x21, crc, 0xFFFF_FFFF,
                                 0xFFFF_FFFF, len(encoded), len(extra), 0, 0, 0, 0, 0xFFFF_FFFF) + encoded + extra
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 45, 0, 0, 0, 0x21, crc, len(content), len(content),
                             len(encoded), 0) + encoded + content
    end64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, len(entries), len(entries), len(directory),
                        len(local))
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(local) + len(directory), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0)
    return local + directory + end64 + locator + end


def end_record(data: bytes) -> int:
    return data.rindex(b"PK\x05\x06")


def central_directory(data: bytes) -> int:
    return data.index(b"PK\x01\x02")


def patched(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value):]


def test_reads_every_workbook_and_archive_of_the_tests_as_zipfile_does(tmp_path, workbook):
    files = [path.read_bytes() for path in Path(__file__).parent.rglob("*")
             if path.is_file() and path.read_bytes()[:4] == b"PK\x03\x04"]
    files += [workbook, write_ods(tmp_path / "tabelle.ods", ODS_TABLES).read_bytes()]
    for data in files:
        assert as_guards_read(data) == as_zipfile_reads(data) is not None


@pytest.mark.parametrize("shape", [
    pytest.param(lambda: archive({"a.xml": b"<a/>", "b/c.xml": b"<c/>" * 100}), id="plain"),
    pytest.param(lambda: archive({"a.xml": b"<a/>"}, comment=b"Ein Kommentar. " * 10), id="comment"),
    pytest.param(lambda: b"MZ prepended" * 50 + archive({"a.xml": b"<a/>", "b.xml": b"<b/>"}), id="prepended"),
    pytest.param(lambda: zip64_archive({"a.xml": b"<a/>" * 1000, "b.xml": b"<b/>"}), id="zip64"),
    pytest.param(lambda: b"x" * 70_000 + zip64_archive({"a.xml": b"<a/>"}), id="zip64 prepended"),
    pytest.param(lambda: archive({"a.xml": b"<a/>"}, method=zipfile.ZIP_STORED), id="stored"),
    pytest.param(lambda: archive({"Übersicht/ä.xml": b"<a/>", "dir/": b""}), id="utf-8 names, a folder"),
    pytest.param(lambda: archive({"a.xml\0.exe": b"<a/>"}), id="null byte in a name"),
])
def test_reads_archives_of_every_legal_shape_as_zipfile_does(shape):
    data = shape()
    assert as_guards_read(data) == as_zipfile_reads(data) is not None


def test_reads_names_without_the_utf8_flag_as_code_page_437_like_zipfile():
    data = archive({"Bericht_x.xml": b"<a/>"})
    data = data.replace(b"Bericht_x", "Bericht_ü".encode("cp437"))  # no flag: cp437, as Windows zip tools write
    assert as_guards_read(data) == as_zipfile_reads(data)
    assert as_guards_read(data)[0][0] == "Bericht_ü.xml"


def damaged_archives(data: bytes) -> dict[str, bytes]:
    """A workbook's central directory and end record damaged in every way zipfile's reading of it checks."""
    end, start = end_record(data), central_directory(data)
    entries, size, offset = struct.unpack_from("<HII", data, end + 10)
    zip64 = zip64_archive({"a.xml": b"<a/>", "b.xml": b"<b/>"})
    zip64_locator = zip64.rindex(b"PK\x06\x07")
    zip64_entry = central_directory(zip64)
    return {
        "no end record": data[:end],
        "end record cut short": data[:end + 20],
        "end record with a comment cut short": patched(data, end + 20, b"\x10\x00"),
        "central directory beyond the file": patched(data, end + 16, struct.pack("<I", len(data) + 100)),
        "central directory before the file": patched(data, end + 16, struct.pack("<I", end + 1)),
        "central directory larger than the file": patched(data, end + 12, struct.pack("<I", size + 5000)),
        "central directory smaller than its entries": patched(data, end + 12, struct.pack("<I", size - 30)),
        "central directory one byte off": patched(data, end + 16, struct.pack("<I", offset + 1)),
        "bad magic of an entry": patched(data, start, b"PK\x01\x03"),
        "entry needs zip version 6.4": patched(data, start + 6, b"\x40"),
        "name not UTF-8 though flagged so": patched(patched(data, start + 8, b"\x00\x08"), start + 46, b"\xff"),
        "extra field longer than the entry says": patched(data, start + 30, b"\x08\x00") if entries else data,
        "zip64 extra field without its sizes": patched(zip64, zip64_entry + 46 + 5 + 2, b"\x04\x00"),
        "zip64 extra field without its offset": patched(zip64, zip64_entry + 46 + 5 + 2, b"\x10\x00"),
        "zip64 extra field beyond the entry": patched(zip64, zip64_entry + 46 + 5 + 2, b"\x20\x00"),
        "zip64 spanning disks": patched(zip64, zip64_locator + 16, b"\x02\x00\x00\x00"),
        "zip64 end record damaged": patched(zip64, zip64_locator - 56, b"PK\x06\x05"),
        "zip64 end record with a wrong offset": patched(zip64, zip64_locator - 8, struct.pack("<Q", 7)),
        "end record's signature in the comment": archive({"a.xml": b"<a/>"}, comment=b"PK\x05\x06 " * 10),
        "only the end record": data[end:],
        "empty archive with junk": b"PK\x03\x04" + data[end:],
    }


def test_refuses_every_damaged_central_directory_that_zipfile_refuses(workbook):
    refused = 0
    for label, data in damaged_archives(workbook).items():
        expected = as_zipfile_reads(data)
        assert as_guards_read(data) == expected, label
        refused += expected is None
    assert refused >= 12  # the damage is real: most of these zipfile refuses


def test_damaged_central_directories_are_refused_as_damaged_files(tmp_path, workbook):
    for number, (label, data) in enumerate(damaged_archives(workbook).items()):
        if as_zipfile_reads(data) is None and data.startswith(b"PK\x03\x04"):  # else no zip by its first bytes
            path = tmp_path / f"kaputt{number}.xlsx"
            path.write_bytes(data)
            with pytest.raises(IngestError) as refused:
                read_return(path)
            assert refused.value.code == Code.FILE_DAMAGED, label
            assert spreadsheet_format(data) is None, label


def test_random_damage_to_the_central_directory_reads_as_zipfile_reads_it(workbook):
    """Bytes of the central directory and end record overwritten at random, 2,000 times (seeded)."""
    start = central_directory(workbook)
    chosen = random.Random(9)
    outcomes = set()
    for _ in range(2000):
        data = bytearray(workbook)
        for _ in range(chosen.randint(1, 4)):
            data[chosen.randrange(start, len(data))] = chosen.randrange(256)
        data = bytes(data)
        expected = as_zipfile_reads(data)
        assert as_guards_read(data) == expected
        outcomes.add(expected is None)
    assert outcomes == {True, False}


def test_calamine_reads_the_stored_package_as_it_reads_the_file(tmp_path, workbook):
    """The archive calamine reads holds every checked entry under its name, unpacked, and reads the same."""
    container = _inspect_zip(workbook, DEFAULT_LIMITS)
    with zipfile.ZipFile(io.BytesIO(workbook)) as original, zipfile.ZipFile(io.BytesIO(container.readable)) as stored:
        assert [info.filename for info in stored.infolist()] == original.namelist()
        assert all(info.compress_type == zipfile.ZIP_STORED for info in stored.infolist())
        assert all(stored.read(name) == original.read(name) for name in original.namelist())
        assert stored.testzip() is None

    def values(data: bytes) -> list:
        with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            return [(sheet.name, book.get_sheet_by_name(sheet.name).to_python()) for sheet in book.sheets_metadata]

    assert values(container.readable) == values(workbook)
