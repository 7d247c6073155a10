"""Zip containers (xlsx, xlsm, ods): the entry table, unpacking under caps, then the format's guards."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from ..messages import Code
from .common import (
    PASSWORD_HINT,
    Limits,
    _Container,
    _not_a_spreadsheet,
    _refuse_dtd,
    _Rejected,
    _size_text,
)
from .ods import _inspect_ods
from .ooxml import _inspect_ooxml

_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError, struct.error)
"""What zipfile may raise on a damaged central directory."""
_UNPACK_CHUNK = 256 * 1024
_XML_SUFFIXES = (".xml", ".rels")
_ODF_MANIFEST = "META-INF/manifest.xml"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _inspect_zip(data: bytes, limits: Limits) -> _Container:
    try:
        entries = [info for info in zipfile.ZipFile(io.BytesIO(data)).infolist()
                   if not info.filename.endswith("/")]  # directories
    except _ZIP_ERRORS as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    _check_entry_table(entries, limits)
    manifest = next((info for info in entries if info.filename == _ODF_MANIFEST), None)
    if manifest and b"encryption-data" in _unpack_entry(data, manifest, limits, limits.max_unpacked):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    parts = _unpack_all(data, entries, limits)
    if "[Content_Types].xml" in parts and "xl/workbook.xml" in parts:
        return _inspect_ooxml(parts, limits)
    if parts.get("mimetype", b"").startswith(_ODS_MIMETYPE):
        return _inspect_ods(parts, limits)
    raise _not_a_spreadsheet(_describe_package(parts))


def _check_entry_table(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse what the central directory already gives away, before decompressing anything."""
    if len(entries) > limits.max_entries:
        raise _Rejected(Code.FILE_TOO_MANY_PARTS, count=len(entries))
    if any(info.flag_bits & 0x1 for info in entries):
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    if len({info.filename for info in entries}) != len(entries):
        raise _Rejected(Code.FILE_DAMAGED)
    if any(info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for info in entries):
        raise _Rejected(Code.FILE_UNUSUAL_COMPRESSION)
    if sum(info.file_size for info in entries) > limits.max_unpacked:
        raise _too_large_unpacked(limits)


def _too_large_unpacked(limits: Limits) -> _Rejected:
    return _Rejected(Code.FILE_UNPACKED_TOO_LARGE, size=_size_text(limits.max_unpacked))


def _unpack_all(data: bytes, entries: list[zipfile.ZipInfo], limits: Limits) -> dict[str, bytes]:
    """Every entry decompressed under a running cap; XML parts must not declare a DTD."""
    parts: dict[str, bytes] = {}
    unpacked = 0
    for info in entries:
        content = parts[info.filename] = _unpack_entry(data, info, limits, limits.max_unpacked - unpacked)
        unpacked += len(content)
        if info.filename.endswith(_XML_SUFFIXES):
            _refuse_dtd(content)
    return parts


def _unpack_entry(data: bytes, info: zipfile.ZipInfo, limits: Limits, allowance: int) -> bytes:
    """Decompress one entry in chunks to the real end of its data, whatever size it declares,
    stopping as soon as a cap is crossed; then size and CRC must match the declaration."""
    try:
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    except struct.error as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    start = info.header_offset + 30 + name_length + extra_length
    raw = data[start:start + info.compress_size]
    if data[info.header_offset:info.header_offset + 4] != b"PK\x03\x04" or len(raw) != info.compress_size:
        raise _Rejected(Code.FILE_DAMAGED)
    chunks = [raw] if info.compress_type == zipfile.ZIP_STORED else _inflate(raw, limits, allowance)
    content = b"".join(chunks)
    if len(content) > allowance:
        raise _too_large_unpacked(limits)
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise _Rejected(Code.FILE_DAMAGED)
    return content


def _inflate(raw: bytes, limits: Limits, allowance: int) -> list[bytes]:
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    chunks, size, pending = [], 0, raw
    try:
        while not decompressor.eof:
            chunk = decompressor.decompress(pending, _UNPACK_CHUNK)
            pending = decompressor.unconsumed_tail
            if not chunk and not pending:
                break
            size += len(chunk)
            if size > allowance:
                raise _too_large_unpacked(limits)
            if size > limits.ratio_min_bytes and size > limits.max_ratio * len(raw):
                raise _Rejected(Code.FILE_ZIP_BOMB)
            chunks.append(chunk)
    except zlib.error as error:
        raise _Rejected(Code.FILE_DAMAGED) from error
    if not decompressor.eof:
        raise _Rejected(Code.FILE_DAMAGED)
    return chunks


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
