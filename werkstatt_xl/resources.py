"""Files shipped inside the package: the templates and the example round."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXAMPLE_NAME = "kreis-dueren"


def template_path(name: str) -> Path:
    """A file shipped in the package's ``templates`` folder."""
    return Path(str(resources.files("werkstatt_xl.templates") / name))


def example_path(name: str = EXAMPLE_NAME) -> Path:
    """A shipped example round (catalogue and returned questionnaires)."""
    return Path(str(resources.files("werkstatt_xl.examples") / name))
