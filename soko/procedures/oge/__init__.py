"""ОГЭ (grade 9): РЦОИ participant protocols → ``oge_results``, mark indicators, pages.

Marks «2»–«5» come from the year's primary-score scale with its extra conditions
(mathematics: «3» only with ≥ 2 points in geometry), all in ``config/gia_scales.yml``.
What ОГЭ shares with ЕГЭ (reader, contract, pseudonyms, demo) lives in
``soko.formats.rcoi_protocol``; protocol layout in ``docs/gia_formats.md``.
"""

from __future__ import annotations

from soko.derive import DerivedSpec
from soko.formats.rcoi_protocol.definition import gia_procedure
from soko.formats.rcoi_protocol.indicators import oge_marks_table, oge_score_distribution
from soko.formats.rcoi_protocol.kinds import OGE
from soko.formats.rcoi_protocol.unified import oge_unified
from soko.procedure import Procedure

PROCEDURE: Procedure = gia_procedure(
    OGE,
    derived=(
        DerivedSpec("oge_marks", ("oge_results", "schools"), oge_marks_table),
        DerivedSpec("oge_scores", ("oge_results", "schools"), oge_score_distribution),
    ),
    unified_results=oge_unified,
)
