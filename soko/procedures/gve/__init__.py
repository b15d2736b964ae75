"""ГВЭ (государственный выпускной экзамен, written form; grades 9 and 11): РЦОИ participant
protocols → ``gve_results``, mark indicators, pages.

Marks «2»–«5» come from the year's primary-score scale of the exam (ГВЭ-9 and ГВЭ-11 are
different exams: the РЦОИ subject code tells a row's grade), all in ``config/gve_scales.yml``
(model: :mod:`soko.procedures.gve.config`). Reader, contract shape, pseudonyms, indicators,
demo and pages are the shared format's (``soko.formats.rcoi_protocol``); this package only
declares the kind. Protocol layout as ОГЭ's (``docs/gia_formats.md``), result column
«Отметка»; raw files under ``data/raw/gia/gve/``.
"""

from __future__ import annotations

from soko.formats.rcoi_protocol.definition import gia_procedure
from soko.formats.rcoi_protocol.demo import GiaDemoParams
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.procedure import Procedure
from soko.procedures.gve.config import GveScalesFile

KIND = GiaKind(
    code="gve",
    title="ГВЭ",
    table="gve_results",
    result="mark",
    result_header="Отметка",
    grades=(9, 11),
    scales_file="gve_scales.yml",
    misfiled=(("Тестовый балл", "ЕГЭ", "gia/ege"),),
)

# A small share of each grade-9 cohort (and of those who stay for grade 11) sits ГВЭ in
# Russian and mathematics; drawn from the "gve" stream (rng_for(seed, "gve", "share", ...)).
DEMO = GiaDemoParams(
    compulsory=("ru", "ma"),
    share=0.06,
    target_below={"ru": 0.06, "ma": 0.08},
)

# derived: gve_marks (marks by school → municipality → region), gve_scores (distribution)
PROCEDURE: Procedure = gia_procedure(
    KIND, demo_params=DEMO, config_schemas={"gve_scales.yml": GveScalesFile}
)
