"""Deterministic demo region: raw files in the real formats plus the planted truth.

``generate_demo(out, seed, size)`` writes the school registry, yearly context files and
ФИС ОКО-style ВПР workbooks of an invented region to ``out`` and the truth (true school
effects, planted non-objective schools, model parameters) to ``out.parent / "truth"``.
The generating model is described in ``docs/demo_model.md``.
"""

from soko.demo.generate import DemoSummary, generate_demo
from soko.demo.model import DEFAULT_SEED, SIZES, ModelParams

__all__ = ["DEFAULT_SEED", "SIZES", "DemoSummary", "ModelParams", "generate_demo"]
