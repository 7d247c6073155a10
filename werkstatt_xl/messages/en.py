"""English texts: what the terminal says. Keys are :class:`~werkstatt_xl.messages.Code` values or
``area.name`` message keys; placeholders are ``str.format`` fields."""

from .codes import Code

TEXTS: dict[str, str] = {
    # werkstatt.toml
    Code.SETTINGS_MISSING: "{root}: no {config} here. Create a project with 'werkstatt-xl init {root}' or point "
                           "to one with -p DIR.",
    Code.SETTINGS_UNREADABLE: "{config}: cannot read the settings ({error}). Correct the file.",
    Code.SETTINGS_NOT_A_TABLE: "{config}: '{name}' must be a section [{name}] with settings below it.",
    Code.SETTINGS_UNKNOWN_KEY: "{config}: unknown [{table}] setting {keys}; known: {known}.",
    Code.SETTINGS_WRONG_TYPE: "{config}: [{table}] {name} = {value!r} must be {expected}.",
    Code.SETTINGS_BAD_DATE: "{config}: deadline {value!r} is not a date like 2019-12-13.",

    # the catalogue
    Code.CATALOGUE_MISSING_FILE: "the file does not exist. Create it with 'werkstatt-xl init' or set [files] "
                                 "catalogue in werkstatt.toml.",
    Code.CATALOGUE_LOCKED: "the file cannot be opened (permission denied or locked by another program). Close it "
                           "and run the command again.",
    Code.CATALOGUE_EMPTY: "the file is empty. Write one row per Werkzeug below the header.",
    Code.CATALOGUE_XLS_OR_PASSWORD: "the file is password-protected or in the old .xls format. Save it as .xlsx "
                                    "without a password.",
    Code.CATALOGUE_UNREADABLE: "the file is not a readable .xlsx workbook ({error}). Save it as .xlsx or .csv.",
    Code.CATALOGUE_EMPTY_SHEET: "the first sheet is empty. Write the header row and one row per Werkzeug.",
    Code.CATALOGUE_MISSING_COLUMNS: "the column(s) {columns} are missing. Expected headers: {expected}.",
    Code.CATALOGUE_NAME_EMPTY: "the Werkzeug name is empty.",
    Code.CATALOGUE_NAME_TWICE: "'{name}' is already listed in row {first}.",
    Code.CATALOGUE_NO_HANDLUNGSFELD: "empty; every Werkzeug belongs to a Handlungsfeld.",
    Code.CATALOGUE_BAD_KATEGORIE: "'{value}' is not one of {allowed}.",
    Code.CATALOGUE_BAD_EMAIL: "'{value}' is not an e-mail address.",
    Code.CATALOGUE_ID_TWICE: "'{value}' is already used in row {first}.",
    Code.CATALOGUE_NO_WERKZEUG: "no Werkzeug is listed. Fill in one row per Werkzeug below the header.",
    Code.CATALOGUE_CONTROL_CHARACTER: "the text holds an invisible control character ({character}), e.g. pasted "
                                      "from another program. Type the cell anew.",
    Code.CATALOGUE_TOO_LONG: "the text has {length} characters; a cell holds at most {most}. Shorten it.",
    Code.CATALOGUE_NOT_A_FILE: "it cannot be read as a file ({reason}). Set [files] catalogue in werkstatt.toml to "
                               "the catalogue's file name, e.g. \"katalog.xlsx\".",

    # the questionnaire form (XLSForm): see form.py
    Code.FORM_MISSING_FILE: "The file does not exist.",
    Code.FORM_UNREADABLE: "The file is not a readable .xlsx workbook ({error}).",
    Code.FORM_MISSING_SHEET: "the sheet is missing: an XLSForm needs survey, choices and settings.",
    Code.FORM_MISSING_SETTING: "'{key}' is empty: it identifies the questionnaire of this round.",
    Code.FORM_INCOMPLETE_CHOICE: "list_name, name and label must all be filled in.",
    Code.FORM_DUPLICATE_CHOICE: "the choice '{name}' appears twice in list '{list_name}'.",
    Code.FORM_NO_TYPE: "the type is empty.",
    Code.FORM_UNKNOWN_TYPE: "unknown type '{type}'. Supported: {supported}.",
    Code.FORM_END_GROUP_WITHOUT_BEGIN: "end_group without a begin_group.",
    Code.FORM_GROUP_WITHOUT_END: "the group '{name}' has no end_group.",
    Code.FORM_BAD_NAME: "the name '{name}' is not valid: use letters, digits and _ and start with a letter.",
    Code.FORM_DUPLICATE_NAME: "the name '{name}' is already used in row {first}.",
    Code.FORM_RESERVED_NAME: "the name '{name}' is reserved for a register column; choose another, e.g. "
                             "'{name}_angabe'.",
    Code.FORM_UNKNOWN_CHOICE_LIST: "the choice list '{list_name}' of '{name}' is not on the choices sheet.",
    Code.FORM_UNEXPECTED_CHOICE_LIST: "the type '{type}' takes no choice list.",
    Code.FORM_NO_LABEL: "'{name}' has no label.",
    Code.FORM_BAD_PREFILL: "prefill '{prefill}' is not a catalogue field ({fields}).",
    Code.FORM_BAD_EXPRESSION: "the {column} expression cannot be read: {error}.",
    Code.FORM_RELEVANT_READS_OWN_ANSWER: "the relevant of '{name}' uses '.', its own answer; refer to other "
                                         "questions with ${{name}}.",
    Code.FORM_UNKNOWN_REFERENCE: "the {column} of '{name}' refers to ${{{reference}}}, which is not a question of "
                                 "this form.",

    # the report definition (tabelle1.toml): see report/definition.py
    Code.REPORT_MISSING_FILE: "the file does not exist. Set [files] report in werkstatt.toml to an existing file, "
                              "or leave it empty for the shipped one.",
    Code.REPORT_NOT_UTF8: "the file is not UTF-8 text. Save it as UTF-8.",
    Code.REPORT_NOT_A_FILE: "it cannot be read as a file ({reason}). Set [files] report in werkstatt.toml to a "
                            "definition file, or leave it empty for the shipped one.",
    Code.REPORT_TOML: "{error} (column {column}); this is not valid TOML.",
    "report_definition.toml_at_end": "{error} at the end of the file; this is not valid TOML.",
    Code.REPORT_UNKNOWN_KEY: "unknown key '{name}' in {where}; known keys: {known}.",
    Code.REPORT_MISSING_KEY: "{where} lacks the key '{name}'.",
    Code.REPORT_WRONG_TYPE: "'{name}' in {where} must be {expected}.",
    Code.REPORT_YES_NO_NOT_BLOCKS: "'yes_no' must be written as [[yes_no]] blocks.",
    Code.REPORT_RATING_LABEL_NOT_TEXT: "the label of '{name}' in [charts.ratings] must be a text in quotes.",
    Code.REPORT_UNKNOWN_QUESTION: "the question '{name}' is not in the form {form}; its questions: {questions}.",
    Code.REPORT_NOT_SELECT_ONE: "the question '{name}' is of type {type}; only a select_one question has answers "
                                "to count.",
    Code.REPORT_NOT_A_CHOICE: "'{label}' is not an answer of the question '{name}'; its answers: {answers}.",
    Code.REPORT_YES_AND_NO: "'{label}' is listed under both yes and no.",
    Code.REPORT_NEUTRAL_NOT_A_CHOICE: "'{label}' is not an answer of any question in [charts.ratings].",
    Code.REPORT_UNKNOWN_STATUS: "'{status}' is not a status of the register; statuses: {statuses}.",
    Code.REPORT_UNKNOWN_KATEGORIE: "'{name}' in [legend] is not a Kategorie of the catalogue ({kategorien}).",
    Code.REPORT_MISSING_KATEGORIE: "[legend] lacks the Kategorie '{name}'.",
    Code.REPORT_BAD_COLOR: "the color '{color}' of '{name}' is not like \"#C9E3B5\".",
    Code.REPORT_BAD_SHEET_NAME: "the sheet name '{name}' cannot be used: 1 to 31 characters, none of "
                                "[ ] : * ? / \\.",
    Code.REPORT_SAME_SHEET_NAME: "[table] and [charts] need different sheet names.",

    # the terminal: commands and the orchestration layer
    "master.unreadable": "{path} cannot be read ({reason}). Run 'werkstatt-xl merge' to write it anew from the "
                         "returned files.",
    "master.no_key_row": "the hidden first row of the sheet '{sheet}' with the column keys is missing",
    "smtp.no_utf8_login": "login (AUTH PLAIN) for a user name or password with characters beyond ASCII, such as "
                          "umlauts",
    "mail.no_terminal_for_password": "a password is needed for [mail] user {user!r}, and there is no terminal to ask "
                                     "for it: set the environment variable {variable}.",
    "init.cannot_create": "{path}: cannot create the project folder here ({reason}). Choose a folder you can write "
                          "to, e.g. in your documents.",
    "mail.questionnaire_outside": "{log} names the questionnaire {file!r}, which is not a file in ausgang/. Only "
                                  "questionnaires in ausgang/ are attached: restore ausgabe.csv from a backup or "
                                  "run 'werkstatt-xl generate'.",
    "confirm.no_such_file": "{path}: no such file in {inbox}. Name a returned file as the sheet 'Prüfung' of "
                            "master.xlsx shows it.",
    "confirm.unreadable": "{path}: {reason} It cannot be confirmed.",
    "confirm.has_identity": "{path}: this questionnaire carries its identity; it needs no confirmation.",
    "confirm.no_title_match": "{path}: its Werkzeug title matches no Werkzeug of the catalogue, so it cannot be "
                              "confirmed. Ask the department to return the questionnaire from ausgang/.",
    "confirm.done": "Confirmed {file} as the return of {werkzeug_id} ({werkzeug}). The next merge counts it, "
                    "unless a questionnaire of {werkzeug_id} with its identity came back too: that one wins.",
    Code.ISSUE_LOG_MISSING_COLUMNS: "{path}: the columns werkzeug_id and token are missing, so the issued "
                                    "questionnaires cannot be recognised. Restore the file from a backup (it is "
                                    "written by 'werkstatt-xl generate'); if the questionnaires are to be issued "
                                    "anew, delete it and run generate.",
    "error.output_permission": "{path}: cannot write here (permission denied). If the file is open in Excel or "
                               "LibreOffice, close it; otherwise check the folder's permissions, then run the "
                               "command again.",
    "error.output_failed": "{path}: cannot write ({reason}). Check the disk and the folder, then run the command "
                           "again.",
    "error.output_not_a_folder": "{path} is a file, not a folder. Rename or move it, then run the command again.",
    "report.no_office": "LibreOffice (soffice) is not installed, so no PDF can be written. Install it "
                        "(Debian/Ubuntu: '{install}'), or run the command without --pdf.",
    "report.pdf_timeout": "LibreOffice did not finish converting {workbook} within 5 minutes. Close other "
                          "LibreOffice windows and run the command again.",
    "report.pdf_failed": "LibreOffice could not convert {workbook} to PDF ({reason}). Open the workbook and export "
                         "it as PDF by hand, or reinstall LibreOffice.",
    "report.exit_code": "exit code {code}",
    "report.register_lacks_columns": "The register has no column {columns}: it was made with another form than the "
                                     "report definition {definition} expects. Run 'werkstatt-xl merge' again, or "
                                     "correct the definition.",
    Code.SENT_LOG_MISSING_COLUMNS: "{path}: the sent-log lacks the {columns}, so it cannot tell which e-mails were "
                                   "sent. Restore its first line ({fields}), or move the file away to count every "
                                   "e-mail as not sent yet, then run the command again.",
    "sent_log.column": "column {names}",
    "sent_log.columns": "columns {names}",
    Code.MAIL_TEMPLATE_NOT_UTF8: "{path}: not UTF-8 text. Save the e-mail text as UTF-8.",
    Code.MAIL_TEMPLATE_STRAY_DOLLAR: "{path}, line {line}: '$' starts no placeholder. Write $$ for a dollar sign; "
                                     "placeholders are {known}.",
    Code.MAIL_TEMPLATE_UNKNOWN_PLACEHOLDER: "{path}, line {line}: unknown placeholder ${placeholder}. Known "
                                            "placeholders: {known}.",
    Code.MAIL_TEMPLATE_NO_SUBJECT: "{path}, line 1: the first line must be the subject, e.g. '{prefix} $title: "
                                   "Fragebogen'.",
    Code.MAIL_TEMPLATE_VALUE_UNSET: "{template} uses ${placeholder}, but werkstatt.toml sets no [round] "
                                    "{placeholder}. Set it, e.g. {example}.",
    "mail.no_sender": "no sender address: set [mail] sender = \"name@example.org\" in werkstatt.toml (the From: of "
                      "the e-mails).",
    "mail.bad_sender": "[mail] sender {sender!r} in werkstatt.toml is not an e-mail address. Write e.g. sender = "
                       "\"Demografiewerkstatt <demografie@example.org>\".",
    "mail.non_ascii_address": "{werkzeug_id} (catalogue row {row}): the address {address!r} cannot be used in an "
                              "e-mail header (no umlauts or accents before the @). Enter an ASCII address in the "
                              "catalogue.",
    "mail.not_in_catalogue": "{werkzeug_id} ({werkzeug}) was issued but is no longer in the catalogue: no e-mail "
                             "for it.",
    "mail.no_smtp_host": "no SMTP server: set [mail] smtp_host (and smtp_port, security, user) in werkstatt.toml, "
                         "or leave out --send to write drafts instead.",
    "mail.bad_security": "[mail] security = {security!r} in werkstatt.toml: use starttls, ssl or none.",
    "mail.password_needed": "a password is needed for [mail] user {user!r}: set the environment variable "
                            "{variable}.",
    "mail.stopped": "sending stopped: {reason}\nSent ({sent_count}):{sent}\nNot sent ({unsent_count}):{unsent}\n"
                    "{log} lists every e-mail sent; run the same command again to send the rest.",
    "mail.none": "none",
    "smtp.login_failed": "login as {user!r} at {server} failed ({response}). Check [mail] user in werkstatt.toml "
                         "and the password (environment variable {variable}).",
    "smtp.not_offered": "{server} does not offer {feature} ({error}). Check [mail] security and user in "
                        "werkstatt.toml.",
    "smtp.login": "login (AUTH)",
    "smtp.no_tls": "no secure connection to {server} ({error}). Check [mail] security (starttls for port 587, ssl "
                   "for port 465) in werkstatt.toml.",
    "smtp.no_connection": "cannot connect to {server} ({response}). Check [mail] smtp_host, smtp_port and security "
                          "in werkstatt.toml and the network.",
    "smtp.recipient_refused": "the server refused the recipient ({refused}). Correct the address in the catalogue.",
    "smtp.connection_broke": "the connection to {server} broke while sending to {recipient} ({response}).",
    "smtp.sender_refused": "the server refused the sender {sender} ({response}). Check [mail] sender.",
    "smtp.send_failed": "sending to {recipient} failed ({response}).",
    "init.not_a_folder": "{path} is a file, not a folder. Choose another path.",
    "init.not_empty": "{path} is not empty. Use another folder, or --force to write {config} and katalog.xlsx anew "
                      "(returned files are kept).",
    "generate.derived_ids": "{catalogue} has Werkzeuge without Werkzeug-ID; ids were derived from the names. Run "
                            "'werkstatt-xl generate --write-ids' to store them in the catalogue, so that renaming a "
                            "Werkzeug later does not orphan its questionnaire.",
    "merge.nothing_issued": "{path}: no questionnaires were issued in this project. Run 'werkstatt-xl generate' first "
                            "(or copy the ausgabe.csv that issued them).",
    "merge.no_inbox": "{path}: the folder for returned questionnaires is missing. Create it and put the returned "
                      "files into it.",
    "mail.nothing_generated": "{path} is missing: no questionnaires were generated yet. Run 'werkstatt-xl generate' "
                              "first.",
    "mail.not_generated": "{werkzeug_id} ({werkzeug}) is in the catalogue but has no questionnaire yet: run "
                          "'werkstatt-xl generate' to include it.",
    "mail.questionnaire_missing": "{path} is missing although ausgabe.csv lists it. Run 'werkstatt-xl generate' to "
                                  "write the questionnaires.",
    "mail.unknown_ids": "unknown Werkzeug-ID {unknown}. Issued ones: {issued}.",
    "mail.no_merge_yet": "no merge has run yet: every issued questionnaire counts as not returned. Run 'werkstatt-xl "
                         "merge' first to remind only the missing ones.",
    "report.no_register": "{path}: there is no register yet. Run 'werkstatt-xl merge' first: it reads the returned "
                          "questionnaires and writes the register the report is made from.",
    "cli.warning": "Warning: {warning}",
    "cli.wrote": "Wrote {path}",
    "init.created": "Created project {root}",
    "init.next_example": "The Kreis Düren catalogue is in {catalogue}. Next: 'werkstatt-xl generate -p {directory}'.",
    "init.next": "Next: fill in {catalogue}, then 'werkstatt-xl generate -p {directory}'.",
    "generate.progress": "Questionnaires",
    "generate.stored_ids": "Stored Werkzeug-IDs in {catalogue}.",
    "generate.wrote": "Wrote {questionnaires} to {outbox} ({kept} kept their token, {new} new).",
    "merge.progress": "Returns",
    "merge.summary": "Received {files}: {accepted} accepted, {with_problems} with problems, {rejected} "
                     "rejected, {superseded} superseded or duplicate.",
    "merge.missing": "Still missing: {missing} of {werkzeuge}.",
    "merge.problems": "Problems and notices: {count}, listed on the sheet 'Prüfung' of master.xlsx.",
    "merge.strict_failed": "problems were found in returned files (see the sheet 'Prüfung'); --strict turns them "
                           "into a failure.",
    "mail.again_without_send": "--again works only with --send (it sends again what the sent-log lists). Without "
                               "--send, drafts are written for every Werkzeug selected anyway: leave out --again.",
    "mail.no_address": "these Werkzeuge have no e-mail address and are in no e-mail (fill in the column 'E-Mail' of "
                       "{catalogue}):",
    "mail.no_address_row": "  {werkzeug_id} (row {row}): {werkzeug}",
    "mail.no_reminders": "No reminders needed: every Werkzeug selected has come back.",
    "mail.no_recipients": "No e-mails: no Werkzeug selected has an e-mail address.",
    "mail.invitation": "invitation",
    "mail.reminder": "reminder",
    "mail.draft": "{count} {kind} draft",
    "mail.drafts": "{count} {kind} drafts",
    "count.werkzeug": "{count} Werkzeug",
    "count.werkzeuge": "{count} Werkzeuge",
    "count.file": "{count} file",
    "count.files": "{count} files",
    "count.questionnaire": "{count} questionnaire",
    "count.questionnaires": "{count} questionnaires",
    "mail.email": "{count} {kind} e-mail",
    "mail.emails": "{count} {kind} e-mails",
    "mail.wrote_drafts": "Wrote {drafts} for {werkzeuge} to {folder}",
    "mail.open_drafts": "Open them in Outlook or Thunderbird to check and send them, or send all with --send.",
    "mail.password_prompt": "Password for {user} at {host} (or set {variable})",
    "mail.sent_to": "Sent to {mail}",
    "mail.skipped": "Skipped {emails} already sent (listed in {log}).",
    "mail.sent": "Sent {emails}.",
    "status.unmerged_file": "{count} file in {inbox} is newer than the last merge; run 'werkstatt-xl merge -p "
                            "{project}' to count it.",
    "status.unmerged_files": "{count} files in {inbox} are newer than the last merge; run 'werkstatt-xl merge -p "
                             "{project}' to count them.",
    "report.wrote": "Wrote {workbook} ({werkzeuge}, {without} without a return).",
    "status.total": "Total: {werkzeuge} ({counts})",
    "catalogue.at_cell": "row {row}, column '{column}': {problem}",
    "catalogue.at_row": "row {row}: {problem}",
    "form.at_row": "[row {row}] {problem}",
    "form.on_sheet": "On the '{sheet}' sheet, {problem}",
    "report_definition.at_line": "line {line}: {problem}",
    "report_definition.top_level": "the top level",
    "report_definition.kind_text": "a text in quotes",
    "report_definition.kind_texts": 'a list of texts like ["a", "b"]',
    "report_definition.kind_table": "a table",
    "report_definition.kind_blocks": "written as [[...]] blocks",
    "report_definition.kind_legend": 'a table like {{ color = "#C9E3B5", text = "..." }}',
    "input_file.errors": "{path}: the {what} has errors:\n{problems}\n{remedy}",
    "input_file.more": "... and {count} more",
    "input_file.file": "file",
    "input_file.remedy": "Correct it and run the command again.",
    "input_file.catalogue": "catalogue",
    "input_file.catalogue_remedy": "Correct the catalogue and run the command again.",
    "input_file.form": "questionnaire form",
    "input_file.form_remedy": "Correct the form in a spreadsheet program and run the command again.",
    "input_file.report_definition": "report definition",
    "input_file.report_definition_remedy": "Correct the definition and run the command again.",
    "expression.unexpected": "unexpected {token!r} in {expression!r}",
    "expression.unreadable": "cannot read {rest!r} in {expression!r}",
    "expression.expected": "expected {wanted} but found {found} in {expression!r}",
    "expression.the_end": "the end",
    "expression.ends_early": "{expression!r} ends too early",
    "expression.selected_arguments": "selected() takes ${{name}} and a 'choice' in {expression!r}",

    # the office's texts for Tabelle 1 (redaktion.xlsx), issue "What the office sees"
    Code.OVERRIDES_LOCKED: "the file cannot be opened (permission denied or locked by another program). Close it "
                           "and run the command again.",
    Code.OVERRIDES_NOT_A_FILE: "it cannot be read as a file ({reason}). Rename or move what is there: the next "
                               "merge writes a new one.",
    Code.OVERRIDES_XLS_OR_PASSWORD: "the file is password-protected or in the old .xls format. Save it as .xlsx "
                                    "without a password.",
    Code.OVERRIDES_UNREADABLE: "the file is not a readable .xlsx workbook ({error}). Save it again as .xlsx.",
    Code.OVERRIDES_MISSING_COLUMNS: "the column(s) {columns} are missing. Restore the header row as merge wrote it.",
    Code.OVERRIDES_NO_ID: "a text for Tabelle 1 without Werkzeug-ID. Write the Werkzeug-ID of its Werkzeug beside "
                          "it, or clear the text.",
    Code.OVERRIDES_ID_TWICE: "{werkzeug_id} already has another text for Tabelle 1 in row {first}. Keep one of "
                             "the two.",
    "overrides.at_row": "row {row}: {problem}",
    "overrides.changed": "{path} was saved while the command ran, so nothing was written (your entries are kept "
                         "in it). Run the command again.",
    "input_file.overrides": "workbook of texts for Tabelle 1",
    "input_file.overrides_remedy": "Correct it in Excel and run the command again. If it cannot be repaired, "
                                   "rename it: the next merge writes a new one, and you can copy your texts over "
                                   "from the renamed file.",
}
