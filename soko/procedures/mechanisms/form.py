"""The municipal form of the management mechanisms, built from ``config/mechanisms.yml``.

One sheet per direction; on it a row per indicator the municipality reports (``source:
form``: its value with that indicator's kind and range, and a comment) and a row per stage
of the management cycle (done «да»/«нет», and the reference to the document that shows it,
required when «да»). Identity: the year and the municipality. The rows are prefilled and
locked, so the form always asks what the configuration in force asks; a region that
changes its indicators hands out new blanks with `soko forms`.
"""

from __future__ import annotations

from pathlib import Path

from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    YEAR,
    YES,
    Column,
    FormSpec,
    Row,
    SheetSpec,
)
from soko.forms.spec import MAX_SHEET_NAME
from soko.procedure import FormContext, FormTemplate
from soko.procedures.mechanisms.settings import Indicator, MechanismsFile, mechanism_settings

FORM_CODE = "mechanisms"
FOLDER = "mechanisms"  # data/raw/mechanisms/<year>/
TITLE = "Оценка механизмов управления качеством образования: форма муниципалитета"
PART_INDICATOR = "показатель"
PART_STAGE = "этап цикла"
STAGE_PREFIX = "этап_"  # a stage's row code when an indicator has the same code

INSTRUCTIONS: tuple[str, ...] = (
    "Форма заполняется органом местного самоуправления, осуществляющим управление в сфере "
    "образования, по каждому направлению оценки механизмов управления качеством образования "
    "(лист на направление).",
    "Строки «показатель»: впишите значение показателя за год (в единицах, указанных в "
    "строке); комментарий — по желанию.",
    "Строки «этап цикла»: выберите «да», если этап управленческого цикла по направлению "
    "выполнен и это подтверждено документом, иначе «нет». При «да» укажите реквизиты "
    "документа (вид, дата, номер, например: приказ управления образования от 12.09.2027 "
    "№ 45) — без них строка не принимается.",
    "Заполненную форму сохраните под тем же именем и передайте в региональный центр оценки "
    "качества образования.",
)

DOCUMENT_HINT = "реквизиты документа: вид, дата, номер (при «да» обязательно)"


def sheet_name(code: str, short: str) -> str:
    """«1.1 Качество подготовки», cut to Excel's 31 characters (without forbidden signs)."""
    name = f"{code} {short}"
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:MAX_SHEET_NAME].rstrip()


def _value_rule(indicator: Indicator) -> dict[str, object]:
    low, high = indicator.bounds
    kind = {"share": "share", "count": "integer", "number": "number", "yesno": "yesno"}[
        indicator.kind
    ]
    rule: dict[str, object] = {"kind": kind, "required": True}
    if kind != "yesno":
        rule |= {"minimum": low, "maximum": high}
    hint = indicator.hint or indicator.name
    rule["hint"] = f"{hint} ({indicator.unit})" if indicator.unit and kind != "yesno" else hint
    return rule


def stage_key(stage: str, settings: MechanismsFile, direction: str) -> str:
    """A stage row's code on a direction's sheet (the stage's code, unless an indicator of
    the direction has the same code)."""
    taken = settings.directions[direction].indicators
    return STAGE_PREFIX + stage if stage in taken else stage


def columns() -> tuple[Column, ...]:
    return (
        Column("part", "Раздел", locked=True, width=13),
        Column("code", "Код", kind="code", locked=True, width=20),
        Column("title", "Показатель или этап управленческого цикла", locked=True, width=60),
        Column("unit", "Единица", locked=True, width=10),
        Column("value", "Значение", kind="number", required=True, width=14),
        Column("note", "Документ или комментарий", max_length=500, width=50),
    )


def direction_sheet(settings: MechanismsFile, code: str) -> SheetSpec:
    direction = settings.directions[code]
    rows = [
        Row(
            {"part": PART_INDICATOR, "code": i_code, "title": ind.name, "unit": ind.unit},
            {"value": _value_rule(ind), "note": {"hint": "комментарий (по желанию)"}},
        )
        for i_code, ind in settings.form_indicators(code).items()
    ]
    rows += [
        Row(
            {
                "part": PART_STAGE,
                "code": stage_key(stage, settings, code),
                "title": title,
                "unit": "да/нет",
            },
            {
                "value": {"kind": "yesno", "required": True, "hint": f"Этап «{title}» выполнен?"},
                "note": {"required_when": ("value", YES), "hint": DOCUMENT_HINT},
            },
        )
        for stage, title in settings.stages.items()
    ]
    return SheetSpec(
        code=code,
        name=sheet_name(code, direction.short),
        heading=f"{code} {direction.name}",
        columns=columns(),
        rows=tuple(rows),
        key="code",
    )


def mechanism_form(config_dir: Path | None = None) -> FormSpec:
    """The form's spec under the configuration in force (the same for every year)."""
    settings = mechanism_settings(config_dir)
    return FormSpec(
        code=FORM_CODE,
        title=TITLE,
        sheets=tuple(direction_sheet(settings, code) for code in settings.directions),
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        instructions=INSTRUCTIONS,
    )


def _spec(ctx: FormContext) -> FormSpec:
    return mechanism_form(ctx.config_dir)


TEMPLATE = FormTemplate(
    code=FORM_CODE,
    title="Механизмы управления качеством образования (форма муниципалитета)",
    scope="municipality",
    folder=FOLDER,
    spec=_spec,
)
