"""ОГЭ (grade 9): РЦОИ participant protocols → ``oge_results``, mark indicators, pages.

Marks «2»–«5» come from the year's primary-score scale with its extra conditions
(mathematics: «3» only with ≥ 2 points in geometry), all in ``config/gia_scales.yml``.
What ОГЭ shares with ЕГЭ (reader, contract, pseudonyms, demo) lives in
``soko.formats.rcoi_protocol``; protocol layout in ``docs/gia_formats.md``.
"""

from __future__ import annotations

from soko.formats.rcoi_protocol.definition import gia_procedure
from soko.formats.rcoi_protocol.demo import GiaDemoParams
from soko.formats.rcoi_protocol.indicators import derived_specs
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.formats.rcoi_protocol.tasks import task_spec
from soko.procedure import Procedure

KIND = GiaKind(
    code="oge",
    title="ОГЭ",
    table="oge_results",
    result="mark",
    result_header="Отметка",
    grades=(9,),
    misfiled=(("Тестовый балл", "ЕГЭ", "gia/ege"),),
)

DEMO = GiaDemoParams(
    compulsory=("ru", "ma"),
    choice={"ob": (0.4, 0.0), "hi": (-1.7, 0.0)},
    target_below={"ru": 0.05, "ma": 0.04, "hi": 0.07, "ob": 0.10},
)

# derived: oge_marks (marks by school → municipality → region), oge_scores (distribution),
# oge_tasks (completion per task from the answer strings, shaped as vpr_tasks: the lab
# procedure relates ОГЭ's practical tasks to the use of laboratory equipment)
PROCEDURE: Procedure = gia_procedure(
    KIND, derived=(*derived_specs(KIND), task_spec(KIND)), demo_params=DEMO
)
