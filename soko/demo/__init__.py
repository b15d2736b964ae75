"""Deterministic demo region: the simulated population every procedure's demo draws from.

Schools, rosters, school means, work blueprints and planted manipulations (the generating
model is described in ``docs/demo_model.md``). Writing the whole region — registry, context,
every procedure's files (ВПР's: :mod:`soko.procedures.vpr.demo`) and the truth — is
:func:`soko.pipeline.demo.generate_demo`, which composes the procedures' demo generators.
"""

from soko.demo.model import DEFAULT_SEED, SIZES, ModelParams

__all__ = ["DEFAULT_SEED", "SIZES", "ModelParams"]
