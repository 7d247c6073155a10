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
}
