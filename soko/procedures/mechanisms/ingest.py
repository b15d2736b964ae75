"""Ingest of the municipal mechanisms forms (``data/raw/mechanisms/<year>/*``) into
``mechanism_values`` and ``mechanism_stages``.

Each form is read against the spec of the configuration in force (``soko.forms``: the cell
rules, the prefilled rows, the identity: the year of its folder, a municipality of that
year); the canonical rows then go through their contracts (a municipality's form sent
twice, an unknown indicator) in one pass over every file. A bad cell rejects its row only.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.config import region
from soko.forms import FormRead, read_forms, validate_forms
from soko.procedure import IngestResult
from soko.procedures.mechanisms.form import PART_INDICATOR, PART_STAGE, mechanism_form, stage_key
from soko.procedures.mechanisms.settings import STAGES, mechanism_settings

KIND = "mechanisms"
# The contracts' keys (rules mechanism_value_unique, mechanism_stage_unique): one value per
# indicator and one answer per stage of a direction, per municipality and year — the keys
# the scores join on. A municipality's form sent twice breaks them.
VALUE_KEY: tuple[str, ...] = ("year", "municipality_code", "direction", "indicator")
STAGE_KEY: tuple[str, ...] = ("year", "municipality_code", "direction", "stage")
SCHEMAS: dict[str, dict[str, str]] = {
    "mechanism_values": {
        "year": "int64",
        "municipality_code": "string",
        "direction": "string",
        "indicator": "string",
        "value": "float64",
        "comment": "string",
    },
    "mechanism_stages": {
        "year": "int64",
        "municipality_code": "string",
        "direction": "string",
        "stage": "string",
        "done": "bool",
        "document": "string",
    },
}
_WHERE = ["sheet", "row"]


def _float(value: object) -> float:
    """An indicator's value as a number: «да» → 1, «нет» → 0 (yes/no indicators)."""
    if value is None or value is pd.NA:
        return float("nan")
    return float(value)


def _staged(read: FormRead) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The form's accepted rows as staging frames of both tables (``sheet``, ``row`` kept)."""
    settings = mechanism_settings()
    accepted = [f for f in (read.accepted(code) for code in read.frames) if not f.empty]
    if not accepted:  # no sheet could be read (each one named in the report)
        return tuple(pd.DataFrame(columns=[*_WHERE, *s]) for s in SCHEMAS.values())
    rows = pd.concat(accepted, ignore_index=True)
    rows = rows.astype({"sheet": "string", "code": "string", "note": "string"})
    stage_of = {(d, stage_key(s, settings, d)): s for d in settings.directions for s in STAGES}
    where = {
        "year": int(read.identity["year"]),
        "municipality_code": read.identity["municipality_code"],
    }
    ind = rows[(rows["part"] == PART_INDICATOR).to_numpy(dtype=bool)]
    st = rows[(rows["part"] == PART_STAGE).to_numpy(dtype=bool)]
    values = pd.DataFrame(
        {
            "sheet": ind["sheet"],
            "row": ind["row"],
            **where,
            "direction": ind["sheet"],
            "indicator": ind["code"],
            "value": [_float(v) for v in ind["value"]],
            "comment": ind["note"],
        }
    )
    stages = pd.DataFrame(
        {
            "sheet": st["sheet"],
            "row": st["row"],
            **where,
            "direction": st["sheet"],
            "stage": [
                stage_of.get((d, k), k) for d, k in zip(st["sheet"], st["code"], strict=True)
            ],
            "done": [bool(v) for v in st["value"]],
            "document": st["note"],
        }
    )
    return values.reset_index(drop=True), stages.reset_index(drop=True)


def _canonical(parts: list[pd.DataFrame], table: str) -> pd.DataFrame:
    schema = SCHEMAS[table]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(schema))
    return frame[list(schema)].astype(schema)


def ingest_mechanisms(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every form, every table, every file reported."""
    del schools  # the forms are municipalities', checked against config/region.yml
    settings = mechanism_settings()
    cfg = region()
    spec = mechanism_form()
    reads = read_forms(
        paths,
        raw,
        lambda year: spec,
        lambda year: {"municipality_code": list(cfg.municipalities_in(year))},
    )
    usable = [r for r in reads if not r.whole_file]
    staged = [(r, *_staged(r)) for r in usable]
    indicators = {
        "known_indicators": [c for d in settings.directions.values() for c in d.indicators],
        "known_directions": list(settings.directions),
        "known_stages": list(STAGES),
    }
    values = validate_forms(
        "mechanism_values", [(r, v) for r, v, _ in staged], indicators, key=VALUE_KEY
    )
    stages = validate_forms(
        "mechanism_stages", [(r, s) for r, _, s in staged], indicators, key=STAGE_KEY
    )
    result = IngestResult(reports=[r.report(KIND) for r in reads])
    result.tables["mechanism_values"] = [_canonical(values, "mechanism_values")]
    result.tables["mechanism_stages"] = [_canonical(stages, "mechanism_stages")]
    return result
