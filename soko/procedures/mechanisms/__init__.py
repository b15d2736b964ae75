"""The assessment of management mechanisms along the management cycle (seeds 000_* §3.1,
§4.1–4.3; 001_* §5; 004_* roadmap 1.1.3; domain.md §7).

Directions 1.1–2.4, each with the region's own indicators (computed by soko from results it
already has, or reported by municipalities on a form soko generates) and the evidence of the
nine stages of the cycle, from goals to the analysis of the effectiveness of measures.
Configuration: ``config/mechanisms.yml`` (:mod:`soko.procedures.mechanisms.settings`).
"""

from __future__ import annotations

from soko.procedure import Ingester, Procedure
from soko.procedures.mechanisms.demo import generate
from soko.procedures.mechanisms.form import FOLDER, TEMPLATE
from soko.procedures.mechanisms.ingest import SCHEMAS, ingest_mechanisms
from soko.procedures.mechanisms.settings import CONFIG_FILE, MechanismsFile
from soko.procedures.mechanisms.tables import DERIVED
from soko.readers.sheets import TABLE_PATTERNS

PROCEDURE = Procedure(
    code="mechanisms",
    title="Механизмы управления качеством образования",
    schemas=SCHEMAS,
    main_table="mechanism_values",
    ingester=Ingester(folder=FOLDER, patterns=TABLE_PATTERNS, run=ingest_mechanisms),
    derived=DERIVED,
    demo=generate,
    # assessments of management, not results: nothing for the unified `results` table
    unified_results=None,
    title_words=("механизмов управления качеством",),
    config_schemas={CONFIG_FILE: MechanismsFile},
    forms=(TEMPLATE,),
)
