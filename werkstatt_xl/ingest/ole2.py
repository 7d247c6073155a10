"""OLE2 compound files: legacy .xls (BIFF records) and password-protected OOXML."""

from __future__ import annotations

import struct

from ..messages import Code
from .common import (
    PASSWORD_HINT,
    XLS_NOTICE,
    Limits,
    _check_extents,
    _Container,
    _Extent,
    _not_a_spreadsheet,
    _Rejected,
)

_ENDOFCHAIN = 0xFFFFFFFE
_FIRST_SPECIAL_SECTOR = 0xFFFFFFFA
_DIFAT_SECTOR = 0xFFFFFFFC
_MINI_SECTOR = 64
_MINI_STREAM_CUTOFF = 4096


def _inspect_compound_file(data: bytes, limits: Limits) -> _Container:
    compound = _CompoundFile(data)
    if "EncryptionInfo" in compound.streams:
        raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
    name = next((name for name in _WORKBOOK_STREAMS if name in compound.streams), None)
    if name is None:
        raise _not_a_spreadsheet(_describe_compound_file(compound.streams))
    extents, errors, formulas = _biff_sheets(compound.read(name))
    _check_extents(extents, limits)
    return _Container("xls", None, [(Code.FILE_XLS, XLS_NOTICE)], errors, formulas)


_WORKBOOK_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")
"""The streams calamine reads a workbook from, in its order of preference; it finds no other
spelling (python-calamine 0.9.1 reads neither "workbook" nor "WorkBook")."""


def _describe_compound_file(streams: dict) -> str:
    if "WordDocument" in streams:
        return "Word-Dokument (.doc)"
    if "PowerPoint Document" in streams:
        return "PowerPoint-Präsentation (.ppt)"
    return "anderes Office-Dokument"


def _damaged_unless(condition: bool) -> None:
    if not condition:
        raise _Rejected(Code.FILE_DAMAGED)


class _CompoundFile:
    """A strict reader of the OLE2 structures calamine follows.

    calamine allocates by sector numbers and declared lengths before checking them, and follows
    sector chains without a cycle check; so every sector number used must lie inside the file,
    every chain must end, and every declared length must fit the file.
    """

    def __init__(self, data: bytes):
        _damaged_unless(len(data) >= 512)
        sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
        _damaged_unless(sector_shift in (9, 12) and mini_shift == 6)
        self._data = data
        self._size = 1 << sector_shift
        self._count = -(-(len(data) - self._size) // self._size)  # sectors after the header sector
        (directory_sectors, fat_sectors, directory_start, _, _, mini_fat_start, mini_fat_sectors,
         difat_start) = struct.unpack_from("<8I", data, 40)
        # calamine reserves memory by a header word that mixes position and length of the mini FAT.
        _damaged_unless(max(directory_sectors, fat_sectors) <= self._count and mini_fat_sectors <= 1024)
        self._fat = self._read_fat(difat_start)
        self.streams: dict[str, tuple[int, int]] = {}
        directory = self._chain(directory_start)
        _damaged_unless(len(directory) % 128 == 0)
        for offset in range(0, len(directory), 128):
            entry = directory[offset:offset + 128]
            name = entry[:64].decode("utf-16-le", "replace").split("\0", 1)[0]
            start, = struct.unpack_from("<I", entry, 116)
            length, = struct.unpack_from("<I" if self._size == 512 else "<Q", entry, 120)
            self.streams.setdefault(name, (start, length))
        _damaged_unless(bool(self.streams))
        self._mini_stream = self._mini_fat = b""
        if mini_fat_sectors:
            root_start, root_length = next(iter(self.streams.values()))
            _damaged_unless(root_length <= len(data))
            self._mini_stream = self._chain(root_start)[:root_length]
            self._mini_fat = self._chain(mini_fat_start)

    def read(self, name: str) -> bytes:
        start, length = self.streams[name]
        _damaged_unless(length <= len(self._data))
        if length < _MINI_STREAM_CUTOFF:
            return self._chain(start, self._mini_fat, self._mini_stream, _MINI_SECTOR)[:length]
        return self._chain(start)[:length]

    def _sector(self, number: int) -> bytes:
        _damaged_unless(number < self._count)
        return self._data[(number + 1) * self._size:(number + 2) * self._size]

    def _read_fat(self, difat_start: int) -> bytes:
        """The FAT as raw little-endian words, found through the header's and the chained DIFAT."""
        difat = list(struct.unpack_from("<109I", self._data, 76))
        seen = set()
        sector = difat_start
        while sector < _FIRST_SPECIAL_SECTOR:
            _damaged_unless(sector not in seen)
            seen.add(sector)
            words = self._sector(sector)
            difat.extend(struct.unpack(f"<{len(words) // 4}I", words[:len(words) // 4 * 4]))
            sector = difat.pop()
        return b"".join(self._sector(sector) for sector in difat if sector < _DIFAT_SECTOR)

    def _chain(self, start: int, fat: bytes | None = None, pool: bytes | None = None,
               size: int | None = None) -> bytes:
        """The bytes of a sector chain; by default of regular sectors, else of ``pool`` in ``size`` steps."""
        fat = self._fat if fat is None else fat
        size = size or self._size
        count = self._count if pool is None else -(-len(pool) // size)
        parts, seen, sector = [], set(), start
        while sector != _ENDOFCHAIN:
            _damaged_unless(sector < count and sector * 4 + 4 <= len(fat) and sector not in seen)
            seen.add(sector)
            parts.append(self._sector(sector) if pool is None else pool[sector * size:(sector + 1) * size])
            sector, = struct.unpack_from("<I", fat, sector * 4)
        return b"".join(parts)


_BIFF_EOF = 0x000A
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
_BIFF_SST = 0x00FC
_BIFF_DIMENSIONS = 0x0200
_BIFF_MULRK = 0x00BD
_BIFF_FORMULA = 0x0006
_BIFF_BOOLERR = 0x0205
_BIFF_CELLS = {_BIFF_FORMULA, 0x00D6, 0x00FD, 0x0203, 0x0204, _BIFF_BOOLERR, 0x027E}
"""Cell records calamine turns into values: FORMULA, RSTRING, LABELSST, NUMBER, LABEL, BOOLERR, RK."""
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_XLS_GRID = (65536, 256)


_Cells = dict[tuple[int, int], str]


def _biff_sheets(stream: bytes) -> tuple[list[_Extent], dict[int, _Cells], dict[int, _Cells]]:
    """One extent per sheet entry of the workbook stream, as calamine parses them all on opening,
    and the error values and the formula cells of each sheet by its index and 0-based (row, column);
    a formula's text is not read (BIFF stores it as tokens), so it is recorded as "".

    Several sheet entries may point at the same sheet data; each is counted, as calamine builds
    each. Sheet data may also overlap: a walk that reaches a record an earlier walk read stops
    there and takes the extents, errors and formulas of all earlier walks, more than the rest can hold, so
    no record is read twice. Also refuses an encrypted stream and declared sizes calamine would
    reserve.
    """
    positions = []
    for _, kind, body in _biff_records(stream, 0):
        if kind == _BIFF_FILEPASS and body[:2] != b"\0\0":
            raise _Rejected(Code.FILE_PASSWORD, PASSWORD_HINT)
        if kind == _BIFF_BOUNDSHEET and len(body) >= 4:
            positions.append(struct.unpack_from("<I", body)[0])
        if kind == _BIFF_SST and len(body) >= 8:
            strings, = struct.unpack_from("<i", body, 4)
            _damaged_unless(0 <= strings <= len(stream) // 3)  # each string takes at least three bytes
    read = bytearray(len(stream))  # 1 at the offset of each record a walk read
    sheets: dict[int, tuple[_Extent, _Cells, _Cells]] = {}
    everything = _Extent(), {}, {}
    for position in positions:
        if position not in sheets:
            sheets[position] = extent, errors, formulas = _biff_sheet(stream, position, read, everything)
            if extent.bounds is not None:
                everything[0].include(*extent.bounds)
            everything[1].update(errors)
            everything[2].update(formulas)
    errors = {index: sheets[position][1] for index, position in enumerate(positions) if sheets[position][1]}
    formulas = {index: sheets[position][2] for index, position in enumerate(positions) if sheets[position][2]}
    return [sheets[position][0] for position in positions], errors, formulas


def _biff_sheet(stream: bytes, position: int, read: bytearray,
                earlier: tuple[_Extent, _Cells, _Cells]) -> tuple[_Extent, _Cells, _Cells]:
    _damaged_unless(position <= len(stream))
    extent, errors, formulas = _Extent(), {}, {}
    for offset, kind, body in _biff_records(stream, position):
        if read[offset]:
            if earlier[0].bounds is not None:
                extent.include(*earlier[0].bounds)
            earlier[1].update(errors)
            earlier[2].update(formulas)
            return extent, earlier[1], earlier[2]
        read[offset] = 1
        if kind == _BIFF_DIMENSIONS:
            _check_biff_dimensions(body)
        elif kind in _BIFF_CELLS and len(body) >= 4:
            row, col = struct.unpack_from("<HH", body)
            extent.include(row + 1, col + 1, row + 1, col + 1)
            error = _biff_error(kind, body)
            if error is not None:
                errors[(row, col)] = error
            if kind == _BIFF_FORMULA:
                formulas[(row, col)] = ""
        elif kind == _BIFF_MULRK and len(body) >= 6:
            row, first_col = struct.unpack_from("<HH", body)
            last_col = max(struct.unpack_from("<H", body, len(body) - 2)[0], first_col + (len(body) - 6) // 6 - 1)
            extent.include(row + 1, first_col + 1, row + 1, last_col + 1)
    return extent, errors, formulas


def _biff_error(kind: int, body: bytes) -> str | None:
    """The error value of a BOOLERR record with its error flag, or of a FORMULA record whose
    cached result is an error; None for any other cell."""
    if kind == _BIFF_BOOLERR and len(body) >= 8 and body[7] == 1:
        return _BIFF_ERRORS.get(body[6])
    if kind == _BIFF_FORMULA and len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 2:
        return _BIFF_ERRORS.get(body[8])
    return None


def _check_biff_dimensions(body: bytes) -> None:
    """calamine reserves rows x columns of a DIMENSIONS record: it must describe part of the .xls grid."""
    layout = {14: "<IIHH", 10: "<HHHH"}.get(len(body))
    if layout is None:
        return
    first_row, end_row, first_col, end_col = struct.unpack_from(layout, body)
    if end_row and end_col:
        _damaged_unless(0 < end_row - first_row <= _XLS_GRID[0] and 0 < end_col - first_col <= _XLS_GRID[1])


def _biff_records(stream: bytes, offset: int):
    """(offset, record type, body) from ``offset`` up to and including the next EOF record."""
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4:offset + 4 + length]
        _damaged_unless(len(body) == length)
        yield offset, kind, body
        if kind == _BIFF_EOF:
            return
        offset += 4 + length
