"""All returns + catalogue -> the register: one row per Werkzeug, every answer, status, provenance.

Column keys of the register DataFrame (in this order):
  catalogue: werkzeug_id, handlungsfeld, werkzeug, kategorie, seite, fachamt, ansprechpartner, email
  answers:   one column per answerable question name of the form, in form order; select_one
             answers hold the choice LABEL ("Ja", "Trifft eher zu"), text as typed (trimmed),
             integer -> int, decimal -> float, date -> datetime.date; no answer -> None
  provenance: status, datei, eingegangen_am, sha256, form_version
Status values: see STATUSES.
"""

from __future__ import annotations

STATUS_RECEIVED = "eingegangen"
STATUS_PROBLEMS = "mit Problemen"
STATUS_MISSING = "offen"
STATUS_REJECTED = "abgelehnt"
STATUSES = (STATUS_RECEIVED, STATUS_PROBLEMS, STATUS_MISSING, STATUS_REJECTED)
PROVENANCE_COLUMNS = {
    "status": "Status",
    "datei": "Datei",
    "eingegangen_am": "Eingegangen am",
    "sha256": "SHA-256",
    "form_version": "Formularversion",
}
"""Register key -> header in master.xlsx, after the catalogue and answer columns."""
