"""Zip containers (xlsx, xlsm, ods): the entry table, unpacking under caps, then the format's guards."""

from __future__ import annotations

import struct
import zipfile
import zlib

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
from .ooxml import _inspect_ooxml

_ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, ValueError, struct.error)
"""What :func:`_central_directory` raises on a damaged central directory."""
_XML_SUFFIXES = (".xml", ".rels")
_ODF_MANIFEST = "meta-inf/manifest.xml"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


# --- the central directory -----------------------------------------------------------------------

class _Entry:
    """One entry of the central directory, with the fields of ``zipfile.ZipInfo`` the guards read."""

    __slots__ = ("filename", "raw_name", "flag_bits", "compress_type", "CRC", "compress_size", "file_size",
                 "header_offset")

    def __init__(self, filename: str, raw_name: bytes, flag_bits: int, compress_type: int, crc: int,
                 compress_size: int, file_size: int, header_offset: int):
        self.filename, self.raw_name, self.flag_bits, self.compress_type = filename, raw_name, flag_bits, compress_type
        self.CRC, self.compress_size, self.file_size, self.header_offset = crc, compress_size, file_size, header_offset


_END = struct.Struct("<4s4H2LH")
_END_SIZE = _END.size
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_EXTRA_FIELD = struct.Struct("<HH")
_EIGHT_BYTES = struct.Struct("<Q")
_MAX_EXTRACT_VERSION = 63
"""The highest zip version an entry may need (6.3), as zipfile allows."""
_LONGEST_COMMENT = 1 << 16
_UTF8_NAME = 0x800
"""The flag of an entry whose name is UTF-8 (else code page 437)."""


def _central_directory(data: bytes) -> list[_Entry]:
    """The entries of a zip archive in ``data``, read as Python 3.11's ``zipfile.ZipFile(...).infolist()`` reads
    them, with every check it makes there (tests/test_ingest_zip.py compares both), in a third of its time;
    ``zipfile.BadZipFile``, ``NotImplementedError``, ``ValueError`` or ``struct.error`` where it refuses."""
    end = _end_of_directory(data)
    if end is None:
        raise zipfile.BadZipFile("File is not a zip file")
    location, signature, size, offset = end
    concat = location - size - offset  # bytes before the archive
    if signature == b"PK\x06\x06":
        concat -= _ZIP64_END.size + _ZIP64_LOCATOR.size
    start = offset + concat
    if start < 0:
        raise zipfile.BadZipFile("Bad offset for central directory")
    table = data[start:start + size]
    entries, position = [], 0
    while position < size:
        if position + _CENTRAL.size > len(table):
            raise zipfile.BadZipFile("Truncated central directory")
        (magic, _, _, extract_version, _, flags, method, _, _, crc, compressed, file_size, name_length, extra_length,
         comment_length, _, _, _, header_offset) = _CENTRAL.unpack_from(table, position)
        if magic != b"PK\x01\x02":
            raise zipfile.BadZipFile("Bad magic number for central directory")
        name_start = position + _CENTRAL.size
        raw_name = table[name_start:name_start + name_length]
        name = raw_name.decode("utf-8" if flags & _UTF8_NAME or raw_name.isascii() else "cp437")
        if extract_version > _MAX_EXTRACT_VERSION:
            raise NotImplementedError(f"zip file version {extract_version / 10:.1f}")
        extra = table[name_start + name_length:name_start + name_length + extra_length]
        file_size, compressed, header_offset = _zip64_sizes(extra, file_size, compressed, header_offset)
        null = name.find("\0")  # zipfile cuts a name at a null byte
        entries.append(_Entry(name if null < 0 else name[:null], raw_name, flags, method, crc, compressed, file_size,
                              header_offset + concat))
        position = name_start + name_length + extra_length + comment_length
    return entries


def _end_of_directory(data: bytes) -> tuple[int, bytes, int, int] | None:
    """Where the end record stands, its signature (a zip64 one's where it has one) and the size and offset of the
    central directory it gives; None without one. As zipfile reads a file object holding ``data``, where a seek
    before the start lands at the start."""
    if len(data) >= _END_SIZE and data[-_END_SIZE:-_END_SIZE + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0":
        location = len(data) - _END_SIZE
    else:  # after the record, a comment of up to 64 KB
        location = data.rfind(b"PK\x05\x06", max(len(data) - _LONGEST_COMMENT - _END_SIZE, 0))
        if location < 0 or location + _END_SIZE > len(data):
            return None
    signature, _, _, _, _, size, offset, _ = _END.unpack_from(data, location)
    magic, disk, _, disks = _ZIP64_LOCATOR.unpack_from(data, max(location - _ZIP64_LOCATOR.size, 0))
    if magic != b"PK\x06\x07":
        return location, signature, size, offset
    if disk != 0 or disks > 1:
        raise zipfile.BadZipFile("zipfiles that span multiple disks are not supported")
    record_at = max(location - _ZIP64_LOCATOR.size - _ZIP64_END.size, 0)
    if record_at + _ZIP64_END.size > len(data):
        return location, signature, size, offset
    record = _ZIP64_END.unpack_from(data, record_at)
    if record[0] != b"PK\x06\x06":
        return location, signature, size, offset
    return location, record[0], record[8], record[9]


def _zip64_sizes(extra: bytes, file_size: int, compressed: int, header_offset: int) -> tuple[int, int, int]:
    """The sizes and the offset of an entry, those marked as too large for their field read from its zip64 extra
    field (as zipfile's ``ZipInfo._decodeExtra``); a field that claims more bytes than there are is refused."""
    while len(extra) >= 4:
        kind, length = _EXTRA_FIELD.unpack_from(extra)
        if length + 4 > len(extra):
            raise zipfile.BadZipFile(f"Corrupt extra field {kind:04x} (size={length})")
        if kind == 1:
            values = extra[4:length + 4]
            if file_size in (0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF):
                (file_size,), values = _EIGHT_BYTES.unpack_from(values), values[8:]
            if compressed == 0xFFFF_FFFF:
                (compressed,), values = _EIGHT_BYTES.unpack_from(values), values[8:]
            if header_offset == 0xFFFF_FFFF:
                (header_offset,) = _EIGHT_BYTES.unpack_from(values)
        extra = extra[length + 4:]
    return file_size, compressed, header_offset


def _inspect_zip(data: bytes, limits: Limits) -> _Container:
    try:
        named = [(_part_name(entry.filename), entry) for entry in _central_directory(data)]
    except _ZIP_ERRORS as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    entries = [(name, info) for name, info in named if not name.endswith("/")]  # directories
    _check_entry_table(entries, limits)
    manifest = dict(entries).get(_ODF_MANIFEST)
    if manifest and b"encryption-data" in _unpack_entry(data, manifest, limits, limits.max_unpacked):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    parts = _unpack_all(data, entries, limits)
    if "[content_types].xml" in parts and "xl/workbook.xml" in parts:
        _require_ascii_markup(parts)
        container = _inspect_ooxml(parts, limits)
        container.readable = _stored_package(entries, parts)
        return container
    if parts.get("mimetype", b"").startswith(_ODS_MIMETYPE):
        _require_ascii_markup(parts)
        return _inspect_ods(parts, limits)
    raise _not_a_spreadsheet(_describe_package(parts))


def _check_entry_table(entries: list[tuple[str, _Entry]], limits: Limits) -> None:
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


def _unpack_all(data: bytes, entries: list[tuple[str, _Entry]], limits: Limits) -> dict[str, bytes]:
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


def _unpack_entry(data: bytes, info: _Entry, limits: Limits, allowance: int) -> bytes:
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


def _stored_package(entries: list[tuple[str, _Entry]], parts: dict[str, bytes]) -> bytes:
    """The entries as checked, unpacked, in a new archive of the same names and order: what calamine reads.

    calamine then reads exactly the bytes the guards checked (the central directory as
    :func:`_central_directory` reads it, not as another zip reader might), and need not inflate them a second
    time (a quarter of its time).
    """
    pieces, directory, offset = [], [], 0
    for name, info in entries:
        flags, raw_name, content = info.flag_bits & _UTF8_NAME, info.raw_name, parts[name]
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
