"""Where a table, key or value stands in the text of a TOML file a person edits, so that a problem
can name its line (tomllib keeps no positions)."""

from __future__ import annotations

import re

_HEADER_LINE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


class TomlLines:
    """Finds the line of a table, key or value in the TOML text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.sections: list[tuple[str, int, int]] = []  # (table name, first line, last line)
        name, first = "", 1
        for number, line in enumerate(self.lines, start=1):
            header = _HEADER_LINE.match(line)
            if header:
                self.sections.append((name, first, number - 1))
                name, first = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', ""), number
        self.sections.append((name, first, len(self.lines)))

    def find(self, table: str = "", key: str | None = None, value: str | None = None, occurrence: int = 0) -> int:
        """The line of ``key`` (and of ``value`` in its value) in the ``occurrence``-th table ``table``; else
        the line of the table ``table.key``, of the table, or 1."""
        matches = [section for section in self.sections if section[0] == table]
        if occurrence >= len(matches):
            return 1
        _, first, last = matches[occurrence]
        if key is None:
            return first
        key_line = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        start = next((number for number in range(first, last + 1) if key_line.match(self.lines[number - 1])), None)
        if start is None:
            nested = f"{table}.{key}" if table else key
            return next((section[1] for section in self.sections if section[0] == nested), first)
        if value is None:
            return start
        any_key = re.compile(r"""^\s*["']?[A-Za-z0-9_-]+["']?\s*=""")
        for number in range(start, last + 1):
            line = self.lines[number - 1]
            if number > start and any_key.match(line):
                break
            if f'"{value}"' in line or f"'{value}'" in line:
                return number
        return start
