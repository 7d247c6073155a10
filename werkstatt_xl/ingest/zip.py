"""Zip containers (xlsx, xlsm, ods): the entry table, unpacking under caps, then the format's guards."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Generator

from ..messages import Code
from .common import (
    PASSWORD_HINT,
    Limits,
    _Container,
    _not_a_spreadsheet,
    _part_name,
    _refuse_dtd,
    _Rejected,
    _require_ascii_markup,
    _size_text,
)
from .ods import _inspect_ods
from .ooxml import _inspecting_ooxml

_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, struct.error)
"""What zipfile may raise on a damaged central directory."""
_XML_SUFFIXES = (".xml", ".rels")
_ODF_MANIFEST = "meta-inf/manifest.xml"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _inspecting_zip(data: bytes, limits: Limits) -> Generator[None, None, _Container]:
    """The guards of a zip container, pausing after its table of contents, after unpacking, within the OOXML
    guards and after them (see :func:`~werkstatt_xl.ingest.read_returns`)."""
    try:
        named = [(_part_name(info.filename), info) for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    except _ZIP_ERRORS as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    entries = [(name, info) for name, info in named if not name.endswith("/")]  # directories
    _check_entry_table(entries, limits)
    manifest = dict(entries).get(_ODF_MANIFEST)
    if manifest and b"encryption-data" in _unpack_entry(data, manifest, limits, limits.max_unpacked):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    yield
    parts = _unpack_all(data, entries, limits)
    yield
    ooxml = "[content_types].xml" in parts and "xl/workbook.xml" in parts
    if not ooxml and not parts.get("mimetype", b"").startswith(_ODS_MIMETYPE):
        raise _not_a_spreadsheet(_describe_package(parts))
    _require_ascii_markup(parts)
    container = (yield from _inspecting_ooxml(parts, limits)) if ooxml else _inspect_ods(parts, limits)
    yield
    container.readable = container.readable or _stored_package(entries, parts)
    return container


def _check_entry_table(entries: list[tuple[str, zipfile.ZipInfo]], limits: Limits) -> None:
    """Refuse what the central directory already gives away, before decompressing anything."""
    if len(entries) > limits.max_entries:
        raise _Rejected(Code.FILE_TOO_MANY_PARTS, count=len(entries))
    if any(info.flag_bits & 0x1 for _, info in entries):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    if len(dict(entries)) != len(entries):  # two entries for one part
        raise _Rejected(Code.FILE_DAMAGED)
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for _, info in entries):
        raise _Rejected(Code.FILE_UNUSUAL_COMPRESSION)
    if sum(info.file_size for _, info in entries) > limits.max_unpacked:
        raise _too_large_unpacked(limits)


def _too_large_unpacked(limits: Limits) -> _Rejected:
    return _Rejected(Code.FILE_UNPACKED_TOO_LARGE, size=_size_text(limits.max_unpacked))


def _unpack_all(data: bytes, entries: list[tuple[str, zipfile.ZipInfo]], limits: Limits) -> dict[str, bytes]:
    """Every entry decompressed under a running cap, by part name; XML parts must not declare a DTD.

    The whole file is held to the compression ratio of a single entry, too: many entries, each
    too small to be judged alone, must not unpack a small file to megabytes of XML to check.
    """
    parts: dict[str, bytes] = {}
    unpacked = 0
    for name, info in entries:
        content = parts[name] = _unpack_entry(data, info, limits, limits.max_unpacked - unpacked)
        unpacked += len(content)
        if unpacked > limits.ratio_min_bytes and unpacked > limits.max_ratio * len(data):
            raise _Rejected(Code.FILE_ZIP_BOMB)
        if name.endswith(_XML_SUFFIXES):
            _refuse_dtd(content)
    return parts


def _unpack_entry(data: bytes, info: zipfile.ZipInfo, limits: Limits, allowance: int) -> bytes:
    """Decompress one entry to the real end of its data, whatever size it declares, stopping as
    soon as a cap is crossed; then size and CRC must match the declaration."""
    try:
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    except struct.error as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    start = info.header_offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    if data[info.header_offset:info.header_offset + 4] != b"PK\x03\x04" or len(raw) != info.compress_size:
        raise _Rejected(Code.FILE_DAMAGED)
    content = raw if info.compress_type == zipfile.ZIP_STORED else _inflate(raw, limits, allowance)
    if len(content) > allowance:
        raise _too_large_unpacked(limits)
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise _Rejected(Code.FILE_DAMAGED)
    return content


def _inflate(raw: bytes, limits: Limits, allowance: int) -> bytes:
    """Deflated data, unpacked to at most one byte beyond what a cap allows."""
    bomb_above = max(limits.ratio_min_bytes, limits.max_ratio * len(raw))
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        content = decompressor.decompress(raw, min(allowance, bomb_above) + 1)
    except zlib.error as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    if len(content) > allowance:
        raise _too_large_unpacked(limits)
    if len(content) > bomb_above:
        raise _Rejected(Code.FILE_ZIP_BOMB)
    if not decompressor.eof:
        raise _Rejected(Code.FILE_DAMAGED)
    return content


_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3I5H2I")
_END_OF_DIRECTORY = struct.Struct("<4s4H2IH")
_UTF8_NAME = 0x800
"""The flag of an entry whose name is UTF-8 (else code page 437, as zipfile reads it)."""


def _stored_package(entries: list[tuple[str, zipfile.ZipInfo]], parts: dict[str, bytes]) -> bytes:
    """The entries as checked, unpacked, in a new archive of the same order, without extra fields: what calamine
    reads.

    An entry keeps the bytes of its name, so calamine's zip reader decodes them as before (as UTF-8 where they are,
    flag or not), unless zipfile read another name: up to a NUL, or (from Python 3.12 on) the name of an Info-ZIP
    Unicode path field. That one is written, in UTF-8, since calamine's reader takes such a field's name on every
    version: calamine then finds each part under the name the guards read it by, reads exactly the bytes they
    checked, and need not inflate them again (a quarter of its time).
    """
    pieces, directory, offset = [], [], 0
    for name, info in entries:
        flags = info.flag_bits & _UTF8_NAME
        raw_name = info.orig_filename.encode("utf-8" if flags else "cp437")
        if info.filename != info.orig_filename:  # not the name the guards read
            flags, raw_name = _UTF8_NAME, info.filename.encode()
        content = parts[name]
        directory.append(_CENTRAL_HEADER.pack(b"PK\x01\x02", 20, 20, flags, 0, 0, 0x21, info.CRC, len(content),
                                              len(content), len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
        header = _LOCAL_HEADER.pack(b"PK\x03\x04", 20, flags, 0, 0, 0x21, info.CRC, len(content), len(content),
                                    len(raw_name), 0) + raw_name
        pieces += (header, content)
        offset += len(header) + len(content)
    directory_size = sum(map(len, directory))
    end = _END_OF_DIRECTORY.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), directory_size, offset, 0)
    return b"".join([*pieces, *directory, end])


def _describe_package(parts: dict[str, bytes]) -> str:
    if "word/document.xml" in parts:
        return "Word-Dokument"
    if "ppt/presentation.xml" in parts:
        return "PowerPoint-Präsentation"
    if "xl/workbook.bin" in parts:
        return "Excel-Binärformat .xlsb, das nicht unterstützt wird"
    if parts.get("mimetype", b"").startswith(b"application/vnd.oasis.opendocument"):
        return "anderes OpenDocument-Dokument"
    return "ZIP-Archiv"
