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
    Code.ANSWER_CONSTRAINT: "Die Antwort erfüllt die Vorgabe der Frage nicht: Erlaubt ist eine Antwort nur, wenn "
                            "{condition}.",
    "remedy.constraint": "Bitte eine Antwort eintragen lassen, die die Vorgabe erfüllt: Erlaubt ist eine Antwort "
                         "nur, wenn {condition}.",
    Code.ANSWER_TOO_LONG: "Die Antwort hat {length} Zeichen, eine Excel-Zelle fasst {most}: im Register steht nur "
                          "der Anfang.",
    "remedy.shorten": "Den vollständigen Text in der eingegangenen Datei lesen (sie bleibt unverändert in "
                      "eingang/) oder die Antwort kürzen lassen.",
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
    Code.ANSWER_FORMULA: "Die Zelle enthält eine Formel ohne berechneten Wert statt einer Antwort.",
    "remedy.formula": "Bitte den Wert statt einer Formel eintragen lassen.",
    Code.ANSWER_FORMULA_VALUE_TAKEN: "Die Zelle enthält eine Formel; übernommen ist der Wert, den sie zuletzt "
                                     "berechnet hat.",
    "remedy.formula_value_taken": "Den Wert prüfen; künftig bitte den Wert statt einer Formel eintragen lassen.",
    Code.ANSWER_NOT_A_TIME: "„{value}“ ist keine Uhrzeit.",
    Code.ANSWER_NOT_IN_FILTER: "„{value}“ passt nicht zu den übrigen Antworten: Die Auswahl hängt von ihnen ab.",
    "remedy.time": "Bitte eine Uhrzeit wie 14:30 eintragen lassen.",
    "remedy.dateTime": "Bitte Datum und Uhrzeit wie 15.12.2026 14:30 eintragen lassen.",
    "remedy.no_choice_fits": "Zu den übrigen Antworten passt keine Auswahl; bitte die übrigen Antworten prüfen lassen.",
    Code.ANSWER_NOT_A_MARK: "„{value}“ bei „{choice}“ ist kein Kreuz.",
    "remedy.tick": "Bitte „{tick}“ (trifft zu) eintragen oder das Feld leer lassen (trifft nicht zu).",
    "validate.repeat_row": "{question} (Eintrag {row})",
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
                             "übernommen, wenn das Büro die Zuordnung bestätigt (bis dahin „unbestätigt“).",
    Code.RETURN_TITLE_MATCH_OUTRANKED: "Nur über den Werkzeugtitel zugeordnet; für dieses Werkzeug liegt ein "
                                       "Fragebogen mit gültiger Kennung vor ({winner}). Nicht verwendet.",
    "remedy.confirm": "Beim Fachamt klären, ob die Datei von dort stammt; wenn ja, mit „werkstatt-xl confirm“ und "
                      "dem Dateinamen aus der Spalte „Datei“ bestätigen und erneut zusammenführen.",
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
    Code.ANSWER_COPY_NOT_TAKEN: "Die Frage „{question}“ steht ein zweites Mal in {cell} (eine kopierte Zeile) mit "
                                "„{value}“; übernommen ist nur die Antwort in {used}, „{value}“ nicht.",
    "remedy.copied_entry": "Bitte keine Zeilen kopieren: weitere Einträge in die freien Zeilen des Fragebogens "
                           "eintragen lassen (fehlen welche, mehr Zeilen vorsehen) und erneut einsenden lassen.",
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

    # e-mails with returns (collect: its log post/abgeholt.csv, and the sheet "Prüfung")
    Code.MESSAGE_NOT_OUTLOOK: "Die Datei ist keine Outlook-Nachricht (.msg).",
    Code.MESSAGE_DAMAGED: "Die Outlook-Nachricht ist beschädigt und kann nicht gelesen werden.",
    "remedy.save_message_again": "Bitte die E-Mail in Outlook erneut speichern (Datei > Speichern unter > "
                                 "Outlook-Nachrichtenformat) oder ihren Anhang von Hand in eingang/ ablegen.",
    Code.RETURN_OTHER_SENDER: "Per E-Mail von {sender}{via} eingegangen, nicht von der Adresse im Katalog "
                              "({catalogue}); übernommen.",
    "sender.forwarded_from": " (in einer weitergeleiteten Nachricht von {sender})",
    "sender.no_address": "keine",
    "collect_log.too_large": "Anhang von {size}, größer als ein Rücklauf sein darf: nicht abgelegt; bitte beim "
                             "Absender nachfragen.",
    "collect_log.will_be_refused": "Abgelegt, wird beim Zusammenführen aber abgelehnt: {reason}",
    "collect_log.no_attachment": "Die E-Mail hat keinen Anhang.",
    "collect_log.not_a_spreadsheet": "Keine Tabelle: nicht abgelegt.",
    "collect_log.stays_in_mailbox": "Die E-Mail bleibt im Postfach.",
    "collect_log.message_too_large": "Gespeicherte Nachricht größer als {size}: nicht gelesen. Bitte den Anhang von "
                                     "Hand in eingang/ ablegen.",
    "remedy.check_sender": "Keine Aktion nötig, wenn das Fachamt die Datei weitergeleitet hat; sonst beim Fachamt "
                           "nachfragen, ob sie von dort stammt.",

    # e-mails the office sends: fixed words only, nothing quoted from a returned file
    "mail.rejected_return": "Ihre Rücksendung konnte nicht übernommen werden: {reason}",
    "mail.rejected_reason_general": "Sie passt nicht zu dem Fragebogen, der Ihnen zugeschickt wurde.",
    # the correction request: the form's number and label of each question, then fixed words by problem code
    "mail.correction_file": "Korrektur_{stem}",
    "mail.macros_not_returned": "Ihre Datei enthält Makros; wir senden keine Dateien mit Makros weiter. Beigefügt "
                                "ist deshalb der leere Fragebogen: Bitte tragen Sie Ihre Antworten dort ein.",
    "mail.question": "Frage {number}: {label}",
    "mail.question_unnumbered": "Frage „{label}“",
    "mail.question_unknown": "Eine weitere Angabe im Fragebogen:",
    "mail.no_choice_fits": "Zu Ihren übrigen Antworten passt keine der vorgegebenen Antworten; bitte prüfen Sie "
                           "diese.",
    "mail.wrong.answer.cell_missing": "Das Antwortfeld fehlt in Ihrer Datei; bitte tragen Sie die Antwort in den "
                                      "unveränderten Fragebogen ein.",
    "mail.wrong.answer.formula": "Im Antwortfeld steht eine Formel statt eines Werts; bitte tragen Sie den Wert ein.",
    "mail.wrong.answer.formula_value_taken": "Im Antwortfeld steht eine Formel; übernommen ist der Wert, den sie "
                                             "berechnet hat. Bitte tragen Sie künftig den Wert ein.",
    "mail.wrong.answer.not_a_choice": "Die Antwort ist keine der vorgegebenen Antworten.",
    "mail.wrong.answer.not_a_number": "Die Antwort ist keine Zahl.",
    "mail.wrong.answer.not_whole": "Die Antwort ist keine ganze Zahl.",
    "mail.wrong.answer.not_a_date": "Die Antwort ist kein Datum.",
    "mail.wrong.answer.required": "Die Antwort fehlt; diese Frage muss beantwortet werden.",
    "mail.wrong.answer.constraint": "Die Antwort erfüllt die Vorgabe der Frage nicht.",
    "mail.wrong.answer.too_long": "Die Antwort ist länger, als eine Excel-Zelle fasst (32.767 Zeichen); bitte "
                                  "kürzen Sie sie.",
    "mail.wrong.answer.error_value": "Die Zelle enthält einen Fehlerwert (etwa #WERT!) statt einer Antwort.",
    "mail.wrong.answer.not_a_mark": "Bei einer Mehrfachauswahl steht etwas anderes als ein „x“; bitte kreuzen Sie "
                                    "mit „x“ an oder lassen Sie das Feld leer.",
    "mail.wrong.answer.not_a_time": "Die Antwort ist keine Uhrzeit.",
    "mail.wrong.answer.not_in_filter": "Die Antwort passt nicht zu Ihrer Antwort auf eine vorherige Frage.",
    "mail.wrong.answer.copy_not_taken": "Eine Zeile des Fragebogens wurde kopiert; übernommen ist nur die Antwort "
                                        "in der ursprünglichen Zeile. Bitte tragen Sie weitere Einträge in die freien "
                                        "Zeilen ein.",
    "mail.wrong.general": "Die Angabe kann so nicht übernommen werden.",
    "mail.allowed_integer": "Erlaubt ist eine ganze Zahl.",
    "mail.allowed_decimal": "Erlaubt ist eine Zahl.",
    "mail.allowed_date": "Erlaubt ist ein Datum wie 15.12.2026.",
    "mail.allowed_text": "Erlaubt ist ein Text.",
    "mail.allowed_general": "Bitte prüfen Sie die Angaben im Fragebogen.",
    "mail.constraint": "Vorgabe: {message}",
    # the receipt
    "mail.receipt": "Eingegangen am {date}: {outcome}",
    "mail.receipt_undated": "Eingegangen: {outcome}",
    "mail.receipt_fine": "keine Probleme.",
    "mail.receipt_one_problem": "1 Problem, eine Bitte um Korrektur folgt.",
    "mail.receipt_problems": "{count} Probleme, eine Bitte um Korrektur folgt.",
    "mail.receipt_one_problem_requested": "1 Problem, um Korrektur haben wir bereits gebeten.",
    "mail.receipt_problems_requested": "{count} Probleme, um Korrektur haben wir bereits gebeten.",

    # the questionnaire workbook
    "questionnaire.sheet": "Fragebogen",
    "questionnaire.lists_sheet": "Listen",
    "questionnaire.comments": "Fragebogen; bitte ausgefüllt zurücksenden.",
    "questionnaire.intro": "Bitte füllen Sie die gelb hinterlegten Felder aus und senden Sie diese Datei{deadline} "
                           "zurück. Felder mit Auswahlliste öffnen Sie mit dem Pfeil rechts neben der Zelle. Grau "
                           "hinterlegte Felder sind nach Ihren Antworten nicht auszufüllen.",
    "questionnaire.deadline": " bis zum {date}",
    "questionnaire.choose": "Bitte wählen: {choices}",
    "questionnaire.not_a_choice": "Bitte aus der Liste wählen",
    "questionnaire.not_a_number": "Keine Zahl",
    "questionnaire.integer": "Bitte eine ganze Zahl eingeben.",
    "questionnaire.decimal": "Bitte eine Zahl eingeben.",
    "questionnaire.not_a_date": "Kein Datum",
    "questionnaire.date": "Bitte ein Datum eingeben, z. B. 15.12.2026.",
    "questionnaire.dateTime": "Bitte Datum und Uhrzeit eingeben, z. B. 15.12.2026 14:30.",
    "questionnaire.time": "Bitte eine Uhrzeit eingeben, z. B. 14:30.",
    "questionnaire.not_a_time": "Keine Uhrzeit",
    "questionnaire.not_allowed": "Nicht erlaubt",
    "questionnaire.filtered": "Auswahl je nach Antwort auf {questions}",
    "questionnaire.constraint": "Erlaubt ist eine Antwort nur, wenn {condition}.",
    "questionnaire.computed_on_merge": "(wird bei der Auswertung berechnet)",
    "questionnaire.metadata.today": "heutiges Datum",
    "questionnaire.metadata.start": "Beginn",
    "questionnaire.metadata.end": "Ende",
    "questionnaire.page_numbers": "Seite {page} von {pages}",
    "questionnaire.tick_intro": "Mehrfachauswahl: Zutreffendes mit „{tick}“ markieren",
    "questionnaire.tick_below": "Bitte unten ankreuzen",
    "questionnaire.tick_how": "„{tick}“ wählen, wenn es zutrifft; sonst leer lassen.",
    "questionnaire.not_a_tick": "Nur „x“ oder leer",
    "questionnaire.repeat_scale": "Bis zu {count} Einträge; nicht benötigte ganz leer lassen",
    "questionnaire.repeat_required": "Pflichtangaben gelten nur in genutzten Einträgen.",
    "questionnaire.repeat_instance": "{repeat} – Eintrag {number} von {count}",

    # the master register (master.xlsx)
    "summary.title": "Auswertung aller Fragen",
    "summary.sheet": "Auswertung",
    "summary.subtitle": "{title} – {returned} von {werkzeuge} Werkzeugen mit Rücklauf",
    "summary.entry": "{werkzeug} (Eintrag {row})",
    "summary.in_repeat": "{question} (Wiederholung „{repeat}“, alle Einträge)",
    "summary.answer": "Antwort",
    "summary.count": "Anzahl",
    "summary.share": "Anteil",
    "summary.minimum": "Kleinster Wert",
    "summary.maximum": "Größter Wert",
    "summary.mean": "Mittelwert",
    "summary.median": "Median",
    "summary.werkzeug": "Werkzeug",
    "summary.unanswered": "ohne Antwort",
    "summary.no_answers": "Keine Antworten.",
    "summary.share_note": "Anteil an {of}.",
    "summary.multiple_note": "Mehrfachauswahl: Anteil an {of}; zusammen können die Anteile mehr als 100 % ergeben.",
    "summary.of_returns": "{count} Fragebögen mit Rücklauf",
    "summary.of_entries": "{count} ausgefüllten Einträgen",
    "master.repeat": "Wiederholung",
    "master.repeat_row": "Eintrag",
    "master.repeats_sheet": "Wiederholungen",
    "master.choices_separator": "; ",
    "master.register_sheet": "Register",
    "master.problems_sheet": "Prüfung",
    "master.returns_sheet": "Rücklauf",
    "master.returns_title": "Rücklauf je {title}",
    "master.fachamt": "Fachamt",
    "master.handlungsfeld": "Handlungsfeld",
    "master.werkzeuge": "Werkzeuge",
    "master.return_rate": "Rücklaufquote",
    "master.no_value": "(ohne Angabe)",
    "master.legend_title": "Was die Status bedeuten",
    "master.legend_entry": "{status}: {meaning}",
    "master.legend.received": "Fragebogen zurück, alle Antworten in Ordnung.",
    "master.legend.problems": "Fragebogen zurück, mindestens eine Antwort ist zu klären: siehe Blatt „Prüfung“.",
    "master.legend.unconfirmed": "Zurück ohne Kennung, nur über den Werkzeugtitel zugeordnet: zählt erst, wenn das "
                                 "Büro die Herkunft geklärt und mit „werkstatt-xl confirm“ bestätigt hat.",
    "master.legend.missing": "Noch kein verwendbarer Fragebogen zurück.",
    "master.legend.rejected": "Eine Rücksendung kam, konnte aber nicht übernommen werden: siehe Blatt „Prüfung“.",
    "master.page_numbers": "Seite {page} von {pages}",

    # words inside sentences and headers
    "mail.greeting": "Guten Tag,",
    "mail.greeting_to": "Guten Tag {name},",
    "mail.werkzeug_line": "- {werkzeug} (Fragebogen: {file})",
    "expression.and": "{left} und {right}",
    "expression.or": "{left} oder {right}",
    "expression.quoted": "„{value}“",
    "master.status": "Status",
    "master.file": "Datei",
    "master.received_at": "Eingegangen am",
    "master.sha256": "SHA-256",
    "master.form_version": "Formularversion",
    "master.answer_header": "{header} (Antwort)",
    "master.answer_header_numbered": "{header} (Antwort {number})",
    "master.question": "Frage",
    "master.answer_key": "Antwortfeld (intern)",
    "master.cell": "Zelle",
    "master.value": "Gefundener Wert",
    "master.problem": "Problem",
    "master.remedy": "Was ist zu tun",
    "master.kind": "Art",
    "master.code": "Code",
    "catalogue.sheet": "Katalog",
    "catalogue.kategorie_input": "neu (grün) oder bestehend (blau)",
    "form.allowed": "Erlaubt sind: {choices}.",
    "form.other_choice": "Sonstiges",
    "form.other_label": "Bitte angeben:",
    "form.acknowledge_choice": "OK",

    # what the office sees (issue "What the office sees"): the questionnaire's marks and skip notes
    "questionnaire.skip_note": "Nur ausfüllen, wenn {condition}.",
    "questionnaire.question": "Frage {number}",
    "questionnaire.required": "Pflichtangabe",
    "questionnaire.required_intro": "Fragen mit dem Vermerk „{mark}“ müssen beantwortet werden.",
    "expression.is": "{subject} {predicate} ist",
    "expression.this_question": "diese Frage",
    "expression.matches": "{operand} dem Muster {pattern} entspricht",
    "expression.not_matches": "{operand} nicht dem Muster {pattern} entspricht",
    "expression.column": "die Spalte „{name}“ der Auswahl",
    "expression.today": "heute",
    "expression.now": "jetzt",
    "expression.answer_of": "die Antwort auf {subject}",
    "expression.length_of_answer": "die Länge der Antwort auf {subject}",
    "expression.length_of": "die Länge von {operand}",
    "expression.count_of_answer": "die Zahl der angekreuzten Antworten bei {subject}",
    "expression.count_of_own_answer": "die Zahl der angekreuzten Antworten bei dieser Frage",
    "expression.answered": "{subject} beantwortet ist",
    "expression.unanswered": "{subject} nicht beantwortet ist",
    "expression.answered_with": "{subject} mit {value} beantwortet ist",
    "expression.not_answered_with": "{subject} nicht mit {value} beantwortet ist",
    "expression.answered_otherwise": "{subject} mit einer anderen Antwort als {values} beantwortet ist",
    "expression.empty": "{operand} leer ist",
    "expression.not_empty": "{operand} nicht leer ist",
    "expression.equal": "gleich {value}",
    "expression.not_equal": "ungleich {value}",
    "expression.less": "kleiner als {value}",
    "expression.at_most": "höchstens {value}",
    "expression.greater": "größer als {value}",
    "expression.at_least": "mindestens {value}",
    "expression.not_greater": "nicht größer als {value}",
    "expression.not_less": "nicht kleiner als {value}",
    "expression.length_equal": "genau {count} Zeichen lang",
    "expression.length_not_equal": "nicht genau {count} Zeichen lang",
    "expression.length_less": "kürzer als {count} Zeichen",
    "expression.length_at_most": "höchstens {count} Zeichen lang",
    "expression.length_greater": "länger als {count} Zeichen",
    "expression.length_at_least": "mindestens {count} Zeichen lang",

    # the office's texts for Tabelle 1 (redaktion.xlsx)
    "overrides.sheet": "Redaktion",
    "overrides.title": "Texte für Tabelle 1, Spalte „{column}“",
    "overrides.explanation": "Tabelle 1 druckt in der Spalte „{column}“ den Text aus den Antworten der Fachämter "
                             "(Spalte C; bei jedem Zusammenführen neu geschrieben). Soll dort etwas anderes stehen, "
                             "etwa ohne Namen oder Telefonnummern, tragen Sie den Text in die gelbe Spalte D ein: "
                             "Tabelle 1 druckt ihn statt des Textes aus den Antworten. Leer lassen heißt: wie aus "
                             "den Antworten. Ein einzelner Strich (-) druckt nichts. Ihre Einträge bleiben bei "
                             "jedem Zusammenführen erhalten. Nach dem Speichern schreibt „werkstatt-xl report“ "
                             "Tabelle 1 neu.",
    "overrides.printed": "Text aus den Antworten",
    "overrides.entry": "Text für Tabelle 1 (leer = Text aus den Antworten)",
    "overrides.note": "Hinweis",
    "overrides.not_listed": "Nicht mehr im Katalog: wird nicht gedruckt. Der Eintrag bleibt erhalten; leeren Sie "
                            "Spalte D, um ihn zu entfernen.",
    "overrides.input_title": "Text für Tabelle 1",
    "overrides.input_message": "Leer lassen: Tabelle 1 druckt den Text aus den Antworten (Spalte C). Ein einzelner "
                               "Strich (-) druckt nichts.",
    "overrides.page_numbers": "Seite {page} von {pages}",

    # the next round: last round's answers carried forward, what changed since (sheet "Veränderungen")
    Code.RETURN_OTHER_ROUND: "Fragebogen einer früheren Runde: in dieser Runde gilt ein neuer Fragebogen.",
    "remedy.resend_this_round": "Den Fragebogen dieser Runde aus ausgang/ senden und ausfüllen lassen.",
    "questionnaire.previous_answer": "Vorjahresangabe – bitte prüfen",
    "questionnaire.previous_intro": "Orange hinterlegte Felder mit dem Vermerk „{mark}“ enthalten Ihre Antwort der "
                                    "letzten Runde: bitte prüfen und überschreiben, wo sich etwas geändert hat.",
    "master.changes_sheet": "Veränderungen",
    "changes.changed": "geändert",
    "changes.unchanged": "unverändert",
    "changes.new": "ohne Vorrunde",
    "changes.column.werkzeug_id": "Werkzeug-ID",
    "changes.column.werkzeug": "Werkzeug",
    "changes.column.change": "Veränderung",
    "changes.column.question": "Frage",
    "changes.column.previous": "Vorrunde",
    "changes.column.current": "Diese Runde",
}
