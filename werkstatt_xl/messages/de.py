"""German texts: what the workbooks, the sheet "Prüfung" and the e-mails say. Keys are
:class:`~werkstatt_xl.messages.Code` values or ``area.name`` message keys; placeholders are
``str.format`` fields."""

from .codes import Code  # noqa: F401  (keys of the sections below)

TEXTS: dict[str, str] = {
    # answers in a returned questionnaire (sheet "Prüfung")
    Code.ANSWER_CELL_MISSING: "Das Antwortfeld fehlt in der Datei.",
    Code.ANSWER_NOT_A_CHOICE: "„{value}“ ist keine erlaubte Antwort.",
    Code.ANSWER_NOT_A_NUMBER: "„{value}“ ist keine Zahl.",
    Code.ANSWER_NOT_WHOLE: "„{value}“ ist keine ganze Zahl.",
    Code.ANSWER_NOT_A_DATE: "„{value}“ ist kein Datum.",
    Code.ANSWER_SKIPPED: "Antwort auf eine Frage, die nach den übrigen Antworten übersprungen wird.",
    Code.ANSWER_REQUIRED: "Pflichtangabe fehlt.",
    Code.ANSWER_CONSTRAINT: "Die Antwort erfüllt die Bedingung {constraint} nicht.",
    Code.ANSWER_TOO_LONG: "Die Antwort hat {length} Zeichen, eine Excel-Zelle fasst {most}: im Register steht nur "
                          "der Anfang.",
    "remedy.shorten": "Die Antwort kürzen lassen oder den vollständigen Text gesondert anfordern.",
    "quote.shortened": "{start} … ({length} Zeichen)",
    "remedy.answer_cell_missing": "Den Fragebogen unverändert ausfüllen lassen oder die Antwort im Register "
                                  "nachtragen.",
    "remedy.answer_skipped": "Prüfen, ob die Antwort oder die Antwort auf die steuernde Frage stimmt.",
    "remedy.answer_required": "Die Angabe beim Fachamt erfragen und nachtragen.",
    "remedy.choice": "{allowed} Bitte korrigieren lassen.",
    "remedy.integer": "Bitte eine ganze Zahl eintragen lassen.",
    "remedy.decimal": "Bitte eine Zahl eintragen lassen.",
    "remedy.date": "Bitte ein Datum wie 15.12.2026 eintragen lassen.",
    "remedy.correct": "Bitte korrigieren lassen.",
    Code.ANSWER_ERROR_VALUE: "Die Zelle enthält den Fehlerwert {value} statt einer Antwort.",
    "remedy.error_value": "Bitte statt des Fehlerwerts die Antwort eintragen lassen.",
    # identifying a returned questionnaire (sheet "Prüfung")
    Code.RETURN_UNANSWERED: "Der Fragebogen kam ohne Antworten zurück.",
    Code.RETURN_MATCHED_BY_TITLE: "Die Kennung des Fragebogens fehlt (Inhalt wohl in eine neue Datei kopiert); über "
                                  "den Werkzeugtitel zugeordnet.",
    Code.RETURN_NOT_A_QUESTIONNAIRE: "Die Datei ist kein Fragebogen dieser Umfrage.",
    Code.RETURN_NO_IDENTITY: "Die Kennung des Fragebogens fehlt und der Werkzeugtitel passt zu keinem Werkzeug.",
    Code.RETURN_OTHER_FORM: "Fragebogen eines anderen Formulars ({form_id}).",
    Code.RETURN_OTHER_VERSION: "Fragebogen der Version {found}; diese Runde verwendet Version {version}.",
    Code.RETURN_UNKNOWN_WERKZEUG: "Das Werkzeug {werkzeug_id} steht nicht im Katalog.",
    Code.RETURN_UNKNOWN_TOKEN: "Die Kennung (Token) des Fragebogens wurde in dieser Runde nicht ausgegeben (evtl. "
                               "durch eine Neuausgabe ersetzt).",
    Code.RETURN_VERSIONS_WITHOUT_TIME: "Mehrere Fassungen, nicht alle mit Speicherzeit: die zuletzt abgelegte Datei "
                                       "gilt.",
    Code.RETURN_DUPLICATE: "Gleicher Inhalt wie {winner}; einmal gezählt.",
    Code.RETURN_SUPERSEDED: "Ältere Fassung; ersetzt durch {winner}.",
    Code.RETURN_UNCONFIRMED: "Nur über den Werkzeugtitel zugeordnet, ohne Kennung: die Antworten werden erst "
                             "übernommen, wenn das Büro die Zuordnung bestätigt.",
    Code.RETURN_TITLE_MATCH_OUTRANKED: "Nur über den Werkzeugtitel zugeordnet; für dieses Werkzeug liegt ein "
                                       "Fragebogen mit gültiger Kennung vor ({winner}). Nicht verwendet.",
    "remedy.confirm": "Beim Fachamt klären, ob die Datei von dort stammt; wenn ja: werkstatt-xl confirm "
                      "\"{file}\", dann erneut zusammenführen.",
    "remedy.check_origin": "Prüfen, woher die Datei stammt; gilt sie, den Fragebogen mit Kennung entfernen.",
    "remedy.none": "Keine Aktion nötig.",
    "remedy.fill_in_and_resend": "Den Fragebogen ausgefüllt erneut senden lassen.",
    "remedy.resend_current": "Den aktuellen Fragebogen aus ausgang/ erneut senden und ausfüllen lassen.",
    "remedy.check_file": "Die Datei prüfen; ggf. den richtigen Fragebogen anfordern.",
    "remedy.check_catalogue": "Katalog prüfen oder den richtigen Fragebogen anfordern.",
    "remedy.check_newest": "Prüfen, ob dies die neueste Fassung ist.",
    "remedy.if_newer_applies": "Keine Aktion nötig, falls die neuere Fassung gilt.",
    # a returned file that cannot be read, or is read with a notice (sheet "Prüfung")
    Code.FILE_UNOPENABLE: "Die Datei konnte nicht geöffnet werden.",
    Code.FILE_TOO_LARGE: "Die Datei ist zu groß (mehr als {size}).",
    Code.FILE_EMPTY: "Die Datei ist leer.",
    Code.FILE_NOT_A_SPREADSHEET: "Die Datei ist keine Tabellenkalkulation (erkannt: {label}).",
    Code.FILE_DAMAGED: "Die Datei ist beschädigt oder unvollständig.",
    Code.FILE_PASSWORD: "Die Datei ist mit einem Passwort geschützt.",
    Code.FILE_TOO_MANY_PARTS: "Die Datei besteht aus ungewöhnlich vielen Teilen ({count}).",
    Code.FILE_UNUSUAL_COMPRESSION: "Die Datei ist mit einem unüblichen Verfahren komprimiert.",
    Code.FILE_UNPACKED_TOO_LARGE: "Die Datei ist entpackt zu groß (mehr als {size}).",
    Code.FILE_XML_DEFINITIONS: "Die Datei enthält Anweisungen, mit denen ein Programm beim Öffnen fremde Dateien "
                               "nachladen oder den Rechner überlasten kann. Excel und LibreOffice schreiben so etwas "
                               "nicht; die Datei wurde deshalb nicht geöffnet.",
    Code.FILE_ZIP_BOMB: "Die Datei ist ungewöhnlich stark komprimiert (möglicherweise eine ZIP-Bombe).",
    Code.FILE_RANGE_TOO_LARGE: "Die Datei hat Inhalt bis Zeile {row}, Spalte {column}; ein Fragebogen endet weit "
                               "früher.",
    Code.FILE_TOO_MANY_CELLS: "Die Datei enthält ungewöhnlich viele belegte Zellen ({count}).",
    Code.FILE_UNREADABLE_TABLE: "Die Datei konnte nicht als Tabelle gelesen werden.",
    Code.FILE_MACROS: "Die Datei enthält Makros; sie wurden nicht ausgeführt.",
    Code.FILE_XLS: "Altes Excel-Format (.xls) gelesen.",
    Code.MARKER_IN_FIRST_COLUMN: "Die Markierung der Frage „{name}“ in {sheet} steht in Spalte A; links davon gibt "
                                 "es keine Antwortzelle.",
    Code.MARKER_TWICE: "Die Frage „{name}“ ist mehrfach markiert; verwendet wird die Antwort in {cell}.",
    Code.META_TWICE: "Der Metadaten-Eintrag „{key}“ kommt mehrfach vor; verwendet wird der erste.",
    "remedy.resend_xlsx": "Bitte den ausgefüllten Fragebogen als .xlsx erneut senden lassen.",
    "remedy.resend_without_password": "Bitte die Datei ohne Passwortschutz erneut senden lassen.",
    "remedy.check_outside_cells": "Bitte prüfen lassen, ob außerhalb des Fragebogens Zellen ausgefüllt wurden, und "
                                  "die Datei erneut senden lassen.",
    "remedy.check_present": "Bitte prüfen, ob sie noch vorhanden und lesbar ist.",
    Code.FILE_OLD_EXCEL: "Die Datei ist in einem alten Excel-Format gespeichert (Excel 4.0 oder älter), das nicht "
                         "gelesen werden kann.",
    "remedy.save_as_xlsx": "Bitte die Datei in Excel oder LibreOffice öffnen, als .xlsx speichern und erneut senden "
                           "lassen.",

    # e-mails the office sends: fixed words only, nothing quoted from a returned file
    "mail.rejected_return": "Ihre Rücksendung konnte nicht übernommen werden: {reason}",
    "mail.rejected_reason_general": "Sie passt nicht zu dem Fragebogen, der Ihnen zugeschickt wurde.",

    # the questionnaire workbook

    # the master register (master.xlsx)
}
