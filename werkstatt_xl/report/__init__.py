"""Tabelle 1 ("Teilauswertung"): its definition, the computed table, the workbook with charts, the PDF."""

from .definition import HANDLUNGSFELD, KATEGORIE, RUECKLAUF, ReportDefinition, load_report_definition
from .pdf import office_program, to_pdf
from .table import printed_remarks, tabelle1
from .workbook import write_report

__all__ = ["HANDLUNGSFELD", "KATEGORIE", "RUECKLAUF", "ReportDefinition", "load_report_definition", "office_program",
           "printed_remarks", "tabelle1", "to_pdf", "write_report"]
