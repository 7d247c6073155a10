"""Tabelle 1 ("Teilauswertung"): its definition, the computed table, the workbook with charts, the PDF; and
the summary of any form where the definition does not fit it."""

from .definition import FORM_MISMATCH, HANDLUNGSFELD, KATEGORIE, RUECKLAUF, ReportDefinition, load_report_definition
from .pdf import office_program, to_pdf
from .summary import summarize, write_summary
from .table import printed_remarks, tabelle1
from .workbook import write_report

__all__ = ["FORM_MISMATCH", "HANDLUNGSFELD", "KATEGORIE", "RUECKLAUF", "ReportDefinition", "load_report_definition",
           "office_program", "printed_remarks", "summarize", "tabelle1", "to_pdf", "write_report", "write_summary"]
