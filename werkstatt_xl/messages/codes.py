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

    # answers in a returned questionnaire (sheet "Prüfung")
    ANSWER_CELL_MISSING = "answer.cell_missing"
    ANSWER_NOT_A_CHOICE = "answer.not_a_choice"
    ANSWER_NOT_A_NUMBER = "answer.not_a_number"
    ANSWER_NOT_WHOLE = "answer.not_whole"
    ANSWER_NOT_A_DATE = "answer.not_a_date"
    ANSWER_SKIPPED = "answer.skipped"
    ANSWER_REQUIRED = "answer.required"
    ANSWER_CONSTRAINT = "answer.constraint"

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

    # the report definition (tabelle1.toml)
    REPORT_DEFINITION = "report_definition.invalid"

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
