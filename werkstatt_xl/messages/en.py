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

    # the questionnaire form (XLSForm): see form.py

    # the report definition (tabelle1.toml): see report/definition.py

    # the terminal: commands and the orchestration layer
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
}
