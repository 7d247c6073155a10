"""Builders for the files tests/test_ingest.py feeds to ``read_return``: good and hostile ones."""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from werkstatt_xl.anchors import answer_marker, meta_key

META = {"form_id": "wkz-2026", "form_version": "3", "werkzeug_id": "W-017", "token": "a1b2c3d4"}
ANSWERS = {
    "werkzeugtitel": "Fachverfahren Kita-Anmeldung",
    "anzahl_nutzer": 42,
    "anteil_extern": 0.25,
    "seit": dt.date(2019, 4, 1),
    "cloud": True,
    "bemerkung": "Zwei Zeilen\nText",
    "leer": None,
}
FILLER_QUESTIONS = 30
"""Unanswered questions, bringing the workbook (7 KB) near the shipped questionnaire (10 KB)."""


def expected_rows(top: int) -> dict[str, int]:
    """1-based row of each answer when the block's header is at 0-based row ``top``."""
    return {name: top + 2 + index for index, name in enumerate(ANSWERS)}


def write_questionnaire(path: Path, *, sheet: str = "Fragebogen", top: int = 4, answers: dict | None = None) -> Path:
    """A questionnaire as the county sends it, filled in: labels in B, answers in C, markers in the
    hidden column D, metadata on a hidden sheet. The block's header is at 0-based row ``top``."""
    answers = ANSWERS if answers is None else answers
    workbook = xlsxwriter.Workbook(str(path))
    bold = workbook.add_format({"bold": True})
    date = workbook.add_format({"num_format": "dd.mm.yyyy"})
    ws = workbook.add_worksheet(sheet)
    ws.write(0, 1, "Bestandsaufnahme Fachverfahren 2026", bold)
    ws.write(top, 1, "Frage", bold)
    ws.write(top, 2, "Antwort", bold)
    row = top + 1
    for name, value in answers.items():
        ws.write(row, 1, f"Frage zu {name}")
        if isinstance(value, Formula):
            ws.write_formula(row, 2, value.text, None, value.result)
        elif isinstance(value, dt.date):
            ws.write_datetime(row, 2, dt.datetime.combine(value, dt.time()), date)
        elif isinstance(value, bool):
            ws.write_boolean(row, 2, value)
        elif value is not None:
            ws.write(row, 2, value)
        ws.write_string(row, 3, answer_marker(name))
        row += 1
    for index in range(FILLER_QUESTIONS):
        ws.write(row, 1, f"Weitere Frage {index + 1}: Wie wird das Verfahren betrieben und betreut?")
        ws.data_validation(row, 2, row, 2, {"validate": "list", "source": ["Ja", "Nein", "Teilweise"]})
        ws.write_string(row, 3, answer_marker(f"weitere_{index + 1}"))
        row += 1
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, None, None, {"hidden": True})
    meta_sheet = workbook.add_worksheet("wxl_meta")
    for index, (key, value) in enumerate(META.items()):
        meta_sheet.write_string(index, 0, meta_key(key))
        meta_sheet.write_string(index, 1, value)
    meta_sheet.hide()
    workbook.close()
    return path


def rezip(source: Path, target: Path, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip container, replacing and adding entries."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
        for name, content in add.items():
            new.writestr(name, content)
    return target


def read_part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def write_padded_sheet(source: Path, target: Path, padding_bytes: int) -> Path:
    """A zip bomb: ``source`` with whitespace streamed into its first worksheet, deflated at level 9."""
    sheet_name = "xl/worksheets/sheet1.xml"
    head, tail = read_part(source, sheet_name).split(b"<sheetData>", 1)
    block = b" " * 2**20
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                          compresslevel=9) as new:
        for info in old.infolist():
            if info.filename != sheet_name:
                new.writestr(info.filename, old.read(info.filename))
                continue
            with new.open(sheet_name, "w") as stream:
                stream.write(head)
                for _ in range(padding_bytes // len(block)):
                    stream.write(block)
                stream.write(b"<sheetData>" + tail)
    return target


def understate_size(path: Path, name: str, declared: int) -> Path:
    """Let local header and central directory claim ``declared`` uncompressed bytes for entry ``name``."""
    data = bytearray(path.read_bytes())
    # (signature, offset of the uncompressed size, of the name length, of the name)
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = data.find(signature)
        while start != -1:
            length, = struct.unpack_from("<H", data, start + length_at)
            if data[start + name_at:start + name_at + length] == name.encode():
                struct.pack_into("<I", data, start + size_at, declared)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def set_encryption_flag(source: Path, target: Path) -> Path:
    """Mark every entry as encrypted (general purpose bit 0) as a zip password would."""
    data = bytearray(source.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + flag_offset] |= 0x01
            start = data.find(signature, start + 4)
    target.write_bytes(bytes(data))
    return target


def write_ods(path: Path, tables: dict[str, list[list]], *, manifest_extra: str = "",
              extra_parts: dict[str, bytes] | None = None) -> Path:
    """A minimal OpenDocument spreadsheet; ``None`` cells are empty."""
    body = "".join(f'<table:table table:name="{name}">{"".join(_ods_row(row) for row in rows)}</table:table>'
                   for name, rows in tables.items())
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
               f'<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>'
               '</office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                f'{manifest_extra}</manifest:file-entry></manifest:manifest>')
    meta = ('<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><dc:date>2026-03-02T10:15:00.123456789'
            '</dc:date></office:meta></office:document-meta>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("meta.xml", meta, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        for name, data in (extra_parts or {}).items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


def _ods_row(cells: list) -> str:
    parts = []
    for value in cells:
        if value is None:
            parts.append("<table:table-cell/>")
        elif isinstance(value, str):
            parts.append(f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>')
        else:
            parts.append(f'<table:table-cell office:value-type="float" office:value="{value}"/>')
    return f"<table:table-row>{''.join(parts)}</table:table-row>"


ODS_TABLES = {
    "Antworten": [[None, None, None], [None, "Frage", None],
                  [None, "Anzahl", 7, answer_marker("anzahl")],
                  [None, "Name", "Amt 32", answer_marker("name")]],
    "meta": [[meta_key("form_id"), "wkz-2026"], [meta_key("token"), "xyz"]],
}


def _rows(cells: bytes, per_row: int = 200, row: bytes = b"<row>", size: int = 1_000_000) -> bytes:
    """About ``size`` bytes of rows, each of ``per_row`` times ``cells``."""
    whole = row + cells * per_row + b"</" + row[1:].split(b" ")[0].rstrip(b">") + b">"
    return whole * max(1, size // len(whole))


UNPLACED_SHEETS = {
    "cells without addresses": _rows(b"<c><v>1</v></c>"),
    "one cell per row, each row numbered 1": _rows(b"<c><v>1</v></c>", 1, b'<row r="1">'),
    "cells with attributes but no address": _rows(b'<c s="1" t="n"><v>1</v></c>'),
    "addressed and unaddressed cells by turns": _rows(b'<c r="A1"><v>1</v></c><c><v>1</v></c>', 100),
    "250,000 empty cells": _rows(b"<c/>", 250_000),
    "90,000 empty addressed cells, one at XFD1": _rows(b'<c r="A1"/>', 90_000, b'<row r="1">') + b'<c r="XFD1"/>',
    "cells with a namespace prefix": _rows(b"<x:c><x:v>1</x:v></x:c>", row=b"<x:row>"),
    "'>' and quotes in every tag": _rows(b'<c a="\'>\'"><v>1</v></c>'),
    '" r " in every value': _rows(b"<c><v> r r r r r r r r </v></c>"),
    "a formula in every cell": _rows(b"<c><f>1</f><v>1</v></c>"),
    "an error value in every cell": _rows(b'<c t="e"><v>#N/A</v></c>'),
}
"""Worksheet rows (about 1 MB each, a few KB compressed, within the ratio limits) that make the guards place every cell
themselves, each in another way: no shortcut applies."""

_FREE = 0xFFFFFFFF
_END_OF_CHAIN = 0xFFFFFFFE


def write_compound_file(path: Path, stream_names: list[str], *, directory_next: int = _END_OF_CHAIN,
                        workbook: bytes | None = None) -> Path:
    """A minimal OLE2 compound file: sector 0 holds the FAT, sector 1 the directory with a root entry
    and empty streams. ``directory_next`` is the FAT entry after the directory sector (1 makes a cycle).
    ``workbook``, at least 4 KB after padding, becomes a "Workbook" stream in the sectors after them."""
    names = stream_names + (["Workbook"] if workbook is not None else [])
    assert len(names) <= 3, "one directory sector holds four entries"
    stream = (workbook or b"").ljust(4096, b"\0") if workbook is not None else b""
    stream = stream.ljust(-(-len(stream) // 512) * 512, b"\0")
    sectors = len(stream) // 512
    assert sectors <= 126, "one FAT sector holds 128 entries"
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x3E, 3, 0xFFFE,
                         9, 6, bytes(6), 0, 1, 1, 0, 4096, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
    header += struct.pack("<109I", 0, *[_FREE] * 108)
    chain = [3 + index for index in range(sectors - 1)] + [_END_OF_CHAIN] if sectors else []
    fat = struct.pack("<128I", 0xFFFFFFFD, directory_next, *chain, *[_FREE] * (126 - len(chain)))
    entries = [_directory_entry("Root Entry", 5, child=1 if names else _FREE)]
    for index, name in enumerate(names, start=1):
        start, size = (2, len(stream)) if name == "Workbook" and workbook is not None else (_END_OF_CHAIN, 0)
        entries.append(_directory_entry(name, 2, right=index + 1 if index < len(names) else _FREE,
                                        start=start, size=size))
    directory = b"".join(entries).ljust(512, b"\0")
    path.write_bytes(header + fat + directory + stream)
    return path


def _directory_entry(name: str, kind: int, *, right: int = _FREE, child: int = _FREE, start: int = _END_OF_CHAIN,
                     size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _FREE, right, child, bytes(16), 0,
                       0, 0, start, size)


def patch_biff(source: Path, target: Path, record: bytes, offset: int, value: bytes) -> Path:
    """Overwrite bytes at ``offset`` after the first occurrence of ``record`` (type and length)."""
    data = bytearray(source.read_bytes())
    start = data.find(record)
    assert start != -1, f"record {record.hex()} not found in {source.name}"
    data[start + offset:start + offset + len(value)] = value
    target.write_bytes(bytes(data))
    return target


def copy_as(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


@dataclass(frozen=True)
class Formula:
    """An answer cell holding a formula with its cached result, as Excel saves it."""

    text: str
    result: str


ERROR_ANSWERS = {"anzahl_nutzer": Formula("=1/0", "#DIV/0!"), "seit": Formula("=NA()", "#N/A"),
                 "werkzeugtitel": Formula("=#REF!", "#REF!")}
"""Answers that are error values, each the result of a formula."""


def rename_stream(source: Path, target: Path, old: str, new: str) -> Path:
    """A compound file with directory entry ``old`` renamed ``new`` (no longer than ``old``)."""
    data = source.read_bytes()
    encoded = old.encode("utf-16-le")
    assert data.count(encoded) == 1 and len(new) <= len(old)
    target.write_bytes(data.replace(encoded, new.encode("utf-16-le").ljust(len(encoded), b"\0")))
    return target


def rename_entries(source: Path, target: Path, rename) -> Path:
    """A copy of a zip container whose entry names are ``rename(name)``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(rename(info.filename), old.read(info.filename))
    return target


def write_old_excel(path: Path, bof_type: int) -> Path:
    """A bare BIFF2-4 worksheet, as Excel 2 to 4 saved it (no OLE2 container): BOF, one NUMBER cell, EOF."""
    def record(kind: int, body: bytes) -> bytes:
        return struct.pack("<HH", kind, len(body)) + body
    bof = struct.pack("<HH", 0, 0x10) if bof_type == 0x0009 else struct.pack("<HHH", 0, 0x10, 0)
    number = struct.pack("<HHHd", 0, 0, 0, 42.0)  # row, column, XF index, value
    path.write_bytes(record(bof_type, bof) + record(0x0203, number) + record(0x000A, b""))
    return path


def write_compressed_parts(path: Path, parts: dict[str, bytes]) -> Path:
    """A zip container holding ``parts`` deflated at level 9, the highest compression a hostile file has."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def write_overlapping_xls(path: Path, sheets: int, records: int) -> Path:
    """A .xls whose ``sheets`` sheet entries each point one record further into one run of
    ``records`` empty records: every sheet's data is the tail of the one before."""
    def record(kind: int, body: bytes = b"") -> bytes:
        return struct.pack("<HH", kind, len(body)) + body
    globals_ = record(0x0809, bytes(16))
    run = len(globals_) + sheets * 12 + 4  # after the sheet entries and the globals' EOF
    entries = b"".join(record(0x0085, struct.pack("<I", run + 4 * index) + bytes(4)) for index in range(sheets))
    stream = globals_ + entries + record(0x000A) + record(0x0001) * records + record(0x000A)
    return write_compound_file(path, [], workbook=stream)


def with_unicode_paths(source: Path, target: Path, paths: dict[str, str], replace: dict[str, bytes]) -> Path:
    """A copy of a zip container in which entry ``name`` also carries the name ``paths[name]`` in an Info-ZIP
    Unicode path field (0x7075) with a fitting checksum, as 7-Zip and WinRAR write one; ``replace`` by entry."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = info.compress_type
            if info.filename in paths:
                field = struct.pack("<BL", 1, zlib.crc32(info.filename.encode())) + paths[info.filename].encode()
                entry.extra = struct.pack("<HH", 0x7075, len(field)) + field
            new.writestr(entry, replace.get(info.filename, old.read(info.filename)))
    return target


def cut_name(source: Path, target: Path, name: str) -> Path:
    """A copy of a zip container whose entry ``name`` is named ``name`` + NUL + "x" in both headers (zipfile
    reads the name up to the NUL)."""
    suffixed = name + "@x"
    data = rename_entries(source, target, lambda entry: suffixed if entry == name else entry).read_bytes()
    assert data.count(suffixed.encode()) == 2
    target.write_bytes(data.replace(suffixed.encode(), name.encode() + b"\0x"))
    return target


def rename_sheet_without_utf8_flag(source: Path, target: Path, new_name: str) -> Path:
    """A copy of a questionnaire whose first worksheet is named ``new_name`` (relationships and content types
    too) in UTF-8 without the flag that says so, as macOS's and Info-ZIP's zip write names."""
    old_name = "worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename.replace(old_name, new_name),
                         old.read(info.filename).replace(old_name.encode(), new_name.encode()))
    data = bytearray(target.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            struct.pack_into("<H", data, start + flag_offset,
                             struct.unpack_from("<H", data, start + flag_offset)[0] & ~0x800)
            start = data.find(signature, start + 4)
    target.write_bytes(bytes(data))
    return target
