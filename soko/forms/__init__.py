"""Input forms soko hands out and reads back: a spec (sheets, columns, rules, prefilled
rows, identity), its xlsx template with data validation, and the reader that checks the
same rules on the filled copy and reports in the usual problem/FileReport shape.

Procedures build their specs (``soko.procedure.FormTemplate``); this layer knows none of
them.
"""

from soko.forms.cells import Checked, check_cell, rule_text
from soko.forms.reader import (
    FormRead,
    cell_texts,
    folder_quarter,
    folder_year,
    read_form,
    read_forms,
    stated_year,
    validate_forms,
)
from soko.forms.spec import (
    INSTRUCTION_SHEET,
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    NO,
    QUARTER,
    QUARTERS,
    YEAR,
    YES,
    Column,
    FormSpec,
    IdentityField,
    Row,
    SheetSpec,
)
from soko.forms.writer import header_row, write_form

__all__ = [
    "INSTRUCTION_SHEET",
    "MUNICIPALITY_CODE",
    "MUNICIPALITY_NAME",
    "NO",
    "QUARTER",
    "QUARTERS",
    "YEAR",
    "YES",
    "Checked",
    "Column",
    "FormRead",
    "FormSpec",
    "IdentityField",
    "Row",
    "SheetSpec",
    "cell_texts",
    "check_cell",
    "folder_quarter",
    "folder_year",
    "header_row",
    "read_form",
    "read_forms",
    "rule_text",
    "stated_year",
    "validate_forms",
    "write_form",
]
