"""Stable identifiers of problems in users' files."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Stable identifiers of problems in users' files. Never renumber or reuse a code."""

    # werkstatt.toml
    SETTINGS_MISSING = "settings.missing"
    SETTINGS_UNREADABLE = "settings.unreadable"
    SETTINGS_NOT_A_TABLE = "settings.not_a_table"
    SETTINGS_UNKNOWN_KEY = "settings.unknown_key"
    SETTINGS_WRONG_TYPE = "settings.wrong_type"
    SETTINGS_BAD_DATE = "settings.bad_date"

    # the catalogue (katalog.xlsx or .csv)
    CATALOGUE_MISSING_FILE = "catalogue.missing_file"
    CATALOGUE_LOCKED = "catalogue.locked"
    CATALOGUE_EMPTY = "catalogue.empty"
    CATALOGUE_XLS_OR_PASSWORD = "catalogue.xls_or_password"
    CATALOGUE_UNREADABLE = "catalogue.unreadable"
    CATALOGUE_EMPTY_SHEET = "catalogue.empty_sheet"
    CATALOGUE_MISSING_COLUMNS = "catalogue.missing_columns"
    CATALOGUE_NAME_EMPTY = "catalogue.name_empty"
    CATALOGUE_NAME_TWICE = "catalogue.name_twice"
    CATALOGUE_NO_HANDLUNGSFELD = "catalogue.no_handlungsfeld"
    CATALOGUE_BAD_KATEGORIE = "catalogue.bad_kategorie"
    CATALOGUE_BAD_EMAIL = "catalogue.bad_email"
    CATALOGUE_ID_TWICE = "catalogue.id_twice"
    CATALOGUE_NO_WERKZEUG = "catalogue.no_werkzeug"
    CATALOGUE_CONTROL_CHARACTER = "catalogue.control_character"
    CATALOGUE_TOO_LONG = "catalogue.too_long"
    CATALOGUE_NOT_A_FILE = "catalogue.not_a_file"

    # answers in a returned questionnaire (sheet "Prüfung")
    ANSWER_CELL_MISSING = "answer.cell_missing"
    ANSWER_NOT_A_CHOICE = "answer.not_a_choice"
    ANSWER_NOT_A_NUMBER = "answer.not_a_number"
    ANSWER_NOT_WHOLE = "answer.not_whole"
    ANSWER_NOT_A_DATE = "answer.not_a_date"
    ANSWER_SKIPPED = "answer.skipped"
    ANSWER_REQUIRED = "answer.required"
    ANSWER_CONSTRAINT = "answer.constraint"
    ANSWER_TOO_LONG = "answer.too_long"
    ANSWER_ERROR_VALUE = "answer.error_value"

    # identifying a returned questionnaire (sheet "Prüfung")
    RETURN_UNANSWERED = "return.unanswered"
    RETURN_MATCHED_BY_TITLE = "return.matched_by_title"
    RETURN_NOT_A_QUESTIONNAIRE = "return.not_a_questionnaire"
    RETURN_NO_IDENTITY = "return.no_identity"
    RETURN_OTHER_FORM = "return.other_form"
    RETURN_OTHER_VERSION = "return.other_version"
    RETURN_UNKNOWN_WERKZEUG = "return.unknown_werkzeug"
    RETURN_UNKNOWN_TOKEN = "return.unknown_token"
    RETURN_VERSIONS_WITHOUT_TIME = "return.versions_without_time"
    RETURN_DUPLICATE = "return.duplicate"
    RETURN_SUPERSEDED = "return.superseded"
    RETURN_UNCONFIRMED = "return.unconfirmed"
    RETURN_TITLE_MATCH_OUTRANKED = "return.title_match_outranked"

    # a returned file that cannot be read, or is read with a notice (sheet "Prüfung")
    FILE_UNOPENABLE = "file.unopenable"
    FILE_TOO_LARGE = "file.too_large"
    FILE_EMPTY = "file.empty"
    FILE_NOT_A_SPREADSHEET = "file.not_a_spreadsheet"
    FILE_DAMAGED = "file.damaged"
    FILE_PASSWORD = "file.password"
    FILE_TOO_MANY_PARTS = "file.too_many_parts"
    FILE_UNUSUAL_COMPRESSION = "file.unusual_compression"
    FILE_UNPACKED_TOO_LARGE = "file.unpacked_too_large"
    FILE_XML_DEFINITIONS = "file.xml_definitions"
    FILE_ZIP_BOMB = "file.zip_bomb"
    FILE_RANGE_TOO_LARGE = "file.range_too_large"
    FILE_TOO_MANY_CELLS = "file.too_many_cells"
    FILE_UNREADABLE_TABLE = "file.unreadable_table"
    FILE_MACROS = "file.macros"
    FILE_XLS = "file.xls"
    MARKER_IN_FIRST_COLUMN = "file.marker_in_first_column"
    MARKER_TWICE = "file.marker_twice"
    META_TWICE = "file.meta_twice"
    FILE_OLD_EXCEL = "file.old_excel"

    # the report definition (tabelle1.toml)
    REPORT_MISSING_FILE = "report_definition.missing_file"
    REPORT_NOT_UTF8 = "report_definition.not_utf8"
    REPORT_TOML = "report_definition.toml"
    REPORT_UNKNOWN_KEY = "report_definition.unknown_key"
    REPORT_MISSING_KEY = "report_definition.missing_key"
    REPORT_WRONG_TYPE = "report_definition.wrong_type"
    REPORT_YES_NO_NOT_BLOCKS = "report_definition.yes_no_not_blocks"
    REPORT_RATING_LABEL_NOT_TEXT = "report_definition.rating_label_not_text"
    REPORT_UNKNOWN_QUESTION = "report_definition.unknown_question"
    REPORT_NOT_SELECT_ONE = "report_definition.not_select_one"
    REPORT_NOT_A_CHOICE = "report_definition.not_a_choice"
    REPORT_YES_AND_NO = "report_definition.yes_and_no"
    REPORT_NEUTRAL_NOT_A_CHOICE = "report_definition.neutral_not_a_choice"
    REPORT_UNKNOWN_STATUS = "report_definition.unknown_status"
    REPORT_UNKNOWN_KATEGORIE = "report_definition.unknown_kategorie"
    REPORT_MISSING_KATEGORIE = "report_definition.missing_kategorie"
    REPORT_BAD_COLOR = "report_definition.bad_color"
    REPORT_BAD_SHEET_NAME = "report_definition.bad_sheet_name"
    REPORT_SAME_SHEET_NAME = "report_definition.same_sheet_name"
    REPORT_NOT_A_FILE = "report_definition.not_a_file"

    # the questionnaire form (XLSForm)
    FORM_MISSING_FILE = "form.missing_file"
    FORM_UNREADABLE = "form.unreadable"
    FORM_MISSING_SHEET = "form.missing_sheet"
    FORM_MISSING_SETTING = "form.missing_setting"
    FORM_INCOMPLETE_CHOICE = "form.incomplete_choice"
    FORM_DUPLICATE_CHOICE = "form.duplicate_choice"
    FORM_NO_TYPE = "form.no_type"
    FORM_UNKNOWN_TYPE = "form.unknown_type"
    FORM_END_GROUP_WITHOUT_BEGIN = "form.end_group_without_begin"
    FORM_GROUP_WITHOUT_END = "form.group_without_end"
    FORM_BAD_NAME = "form.bad_name"
    FORM_DUPLICATE_NAME = "form.duplicate_name"
    FORM_RESERVED_NAME = "form.reserved_name"
    FORM_UNKNOWN_CHOICE_LIST = "form.unknown_choice_list"
    FORM_UNEXPECTED_CHOICE_LIST = "form.unexpected_choice_list"
    FORM_NO_LABEL = "form.no_label"
    FORM_BAD_PREFILL = "form.bad_prefill"
    FORM_BAD_EXPRESSION = "form.bad_expression"
    FORM_RELEVANT_READS_OWN_ANSWER = "form.relevant_reads_own_answer"
    FORM_UNKNOWN_REFERENCE = "form.unknown_reference"

    # the issue log, the sent-log and the e-mail templates
    ISSUE_LOG_MISSING_COLUMNS = "issue_log.missing_columns"
    SENT_LOG_MISSING_COLUMNS = "sent_log.missing_columns"
    MAIL_TEMPLATE_NOT_UTF8 = "mail_template.not_utf8"
    MAIL_TEMPLATE_STRAY_DOLLAR = "mail_template.stray_dollar"
    MAIL_TEMPLATE_UNKNOWN_PLACEHOLDER = "mail_template.unknown_placeholder"
    MAIL_TEMPLATE_NO_SUBJECT = "mail_template.no_subject"
    MAIL_TEMPLATE_VALUE_UNSET = "mail_template.value_unset"

    # werkstatt.toml, continued
    SETTINGS_EMPTY_FILE = "settings.empty_file"
    SETTINGS_FOLDER = "settings.folder"

    # the office's texts for Tabelle 1 (redaktion.xlsx)
    OVERRIDES_LOCKED = "overrides.locked"
    OVERRIDES_NOT_A_FILE = "overrides.not_a_file"
    OVERRIDES_XLS_OR_PASSWORD = "overrides.xls_or_password"
    OVERRIDES_UNREADABLE = "overrides.unreadable"
    OVERRIDES_MISSING_COLUMNS = "overrides.missing_columns"
    OVERRIDES_NO_ID = "overrides.no_id"
    OVERRIDES_ID_TWICE = "overrides.id_twice"

    # the questionnaire form (XLSForm), continued: refusals and what is left out or not rendered
    FORM_UNKNOWN_LANGUAGE = "form.unknown_language"
    FORM_UNSUPPORTED_TYPE = "form.unsupported_type"
    FORM_LEFT_OUT = "form.left_out"
    FORM_NOT_USED = "form.not_used"
    FORM_NOT_RENDERED = "form.not_rendered"

    # answers in a returned questionnaire (sheet "Prüfung"), continued
    ANSWER_NOT_A_TIME = "answer.not_a_time"
    ANSWER_NOT_IN_FILTER = "answer.not_in_filter"

    # select_multiple and repeats in the form, their answers in a return
    FORM_END_REPEAT_WITHOUT_BEGIN = "form.end_repeat_without_begin"
    FORM_REPEAT_WITHOUT_END = "form.repeat_without_end"
    FORM_NESTED_REPEAT = "form.nested_repeat"
    FORM_BAD_REPEAT_COUNT = "form.bad_repeat_count"
    FORM_REFERENCE_INTO_REPEAT = "form.reference_into_repeat"
    FORM_CHOICE_NAME_WITH_SPACE = "form.choice_name_with_space"
    ANSWER_NOT_A_MARK = "answer.not_a_mark"
    SETTINGS_BAD_REPEAT_ROWS = "settings.bad_repeat_rows"
    REPORT_QUESTION_IN_REPEAT = "report_definition.question_in_repeat"

    # the questionnaire form, continued
    FORM_REFERENCE_CYCLE = "form.reference_cycle"

    # answers a department copied (a row or an entry of a repeat with its markers)
    ANSWER_COPY_NOT_TAKEN = "answer.copy_not_taken"
    # e-mails with returns (collect)
    MESSAGE_NOT_OUTLOOK = "message.not_outlook"
    MESSAGE_DAMAGED = "message.damaged"
    RETURN_OTHER_SENDER = "return.other_sender"
    COLLECT_LOG_MISSING_COLUMNS = "collect_log.missing_columns"

    # formulas where an answer belongs
    ANSWER_FORMULA = "answer.formula"
    ANSWER_FORMULA_VALUE_TAKEN = "answer.formula_value_taken"

    # the next round: round values in templates, the previous round
    SETTINGS_BAD_YEAR = "settings.bad_year"
    TEMPLATE_UNKNOWN_PLACEHOLDER = "template.unknown_placeholder"
    TEMPLATE_VALUE_UNSET = "template.value_unset"
    RETURN_OTHER_ROUND = "return.other_round"
