"""Where a table, key or value stands in the text of a TOML file a person edits, so that a problem
can name its line (tomllib keeps no positions)."""

from __future__ import annotations

import json
import re
import tomllib

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


def toml_value(value: object) -> str:
    """``value`` (text, a whole number, a truth value or a date) as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def with_values(content: str, table: str, values: dict[str, object]) -> str:
    """The TOML text ``content`` with the keys of ``values`` set in ``[table]``, every comment kept: a key's
    value is replaced where the key stands, else the key is added at the end of the table (the table at the
    end of the text where there is none)."""
    lines = content.splitlines()
    for key, value in values.items():
        found = TomlLines("\n".join(lines))
        line = found.find(table, key)
        if re.match(rf"""^\s*["']?{re.escape(key)}["']?\s*=""", lines[line - 1] if lines else ""):
            lines[line - 1] = _replaced(lines[line - 1], toml_value(value))
            continue
        section = next((section for section in found.sections if section[0] == table), None)
        if section is None:
            lines += ["", f"[{table}]", f"{key} = {toml_value(value)}"]
            continue
        last = section[2]
        while last > section[1] and not lines[last - 1].strip():
            last -= 1
        lines.insert(last, f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def _replaced(line: str, value: str) -> str:
    """``key = old  # comment`` with ``value`` for the old value, the comment kept."""
    key, _, rest = line.partition("=")
    for end in range(len(rest) + 1):
        tail = rest[end:].strip()
        if tail and not tail.startswith("#"):
            continue
        try:
            tomllib.loads(f"x = {rest[:end]}")
        except tomllib.TOMLDecodeError:
            continue
        spacing = rest[len(rest[:end].rstrip()):end] if tail else ""
        return f"{key}= {value}{spacing}{rest[end:]}" if tail else f"{key}= {value}"
    return f"{key}= {value}"
