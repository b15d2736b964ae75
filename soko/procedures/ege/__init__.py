"""ЕГЭ (grade 11): РЦОИ participant protocols → ``ege_results``, test-score indicators, pages.

Test scores come from the year's primary → test score table; certificate and university
minimums and ФИПИ's score bands are in ``config/gia_scales.yml``. What ЕГЭ shares with ОГЭ
(reader, contract, pseudonyms, demo) lives in ``soko.formats.rcoi_protocol``; protocol layout in
``docs/gia_formats.md``.
"""

from __future__ import annotations

from soko.derive import DerivedSpec
from soko.formats.rcoi_protocol.definition import gia_procedure
from soko.formats.rcoi_protocol.indicators import ege_scores_table
from soko.formats.rcoi_protocol.kinds import EGE
from soko.formats.rcoi_protocol.unified import ege_unified
from soko.procedure import Procedure

PROCEDURE: Procedure = gia_procedure(
    EGE,
    derived=(DerivedSpec("ege_scores", ("ege_results", "schools"), ege_scores_table),),
    unified_results=ege_unified,
)
