"""ЕГЭ (grade 11): РЦОИ participant protocols → ``ege_results``, test-score indicators, pages.

Test scores come from the year's primary → test score table; certificate and university
minimums and ФИПИ's score bands are in ``config/gia_scales.yml``. What ЕГЭ shares with ОГЭ
(reader, contract, pseudonyms, demo) lives in ``soko.formats.rcoi_protocol``; protocol layout in
``docs/gia_formats.md``.
"""

from __future__ import annotations

from soko.formats.rcoi_protocol.definition import gia_procedure
from soko.formats.rcoi_protocol.demo import GiaDemoParams
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.procedure import Procedure

KIND = GiaKind(
    code="ege",
    title="ЕГЭ",
    table="ege_results",
    result="test_score",
    result_header="Тестовый балл",
    grades=(11,),
    misfiled=(("Отметка", "ОГЭ", "gia/oge"),),
)

DEMO = GiaDemoParams(
    compulsory=("ru",),
    choice={"ma": (-0.3, 1.2), "ob": (0.0, -0.2), "hi": (-1.4, 0.0)},
    target_below={"ru": 0.015, "ma": 0.06, "hi": 0.10, "ob": 0.20},
)

# derived: ege_scores (test scores, bands and minimums by school → municipality → region)
PROCEDURE: Procedure = gia_procedure(KIND, demo_params=DEMO)
