"""The assessment of management mechanisms along the management cycle (seeds 000_* §3.1,
§4.1–4.3; 001_* §5; 004_* roadmap 1.1.3; domain.md §7).

Directions 1.1–2.4, each with the region's own indicators (computed by soko from results it
already has, or reported by municipalities on a form soko generates) and the evidence of the
nine stages of the cycle, from goals to the analysis of the effectiveness of measures.
Configuration: ``config/mechanisms.yml`` (:mod:`soko.procedures.mechanisms.settings`).
"""

from __future__ import annotations

# NOTE (issue12-mech): a MINIMAL procedure so the derived tables and pages can be built and
# tested before the forms branch (issue12-forms) lands; that branch's PROCEDURE (schemas,
# ingester, demo, forms) replaces this block, keeping ``derived=DERIVED``.
from soko.procedure import Ingester, IngestResult, Procedure
from soko.procedures.mechanisms.settings import CONFIG_FILE, MechanismsFile
from soko.procedures.mechanisms.tables import DERIVED

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

PROCEDURE = Procedure(
    code="mechanisms",
    title="Механизмы управления качеством образования",
    schemas=SCHEMAS,
    main_table="mechanism_values",
    ingester=Ingester(
        folder="mechanisms", patterns=(), run=lambda paths, raw, schools: IngestResult()
    ),
    derived=DERIVED,
    unified_results=None,
    config_schemas={CONFIG_FILE: MechanismsFile},
)
