"""werkstatt-xl: run a questionnaire survey through Excel workbooks."""

__version__ = "0.1.0"
