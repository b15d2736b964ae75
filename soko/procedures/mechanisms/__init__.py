"""The assessment of management mechanisms along the management cycle (seeds 000_* §3.1,
§4.1–4.3; 001_* §5; 004_* roadmap 1.1.3; domain.md §7).

Directions 1.1–2.4, each with the region's own indicators (computed by soko from results it
already has, or reported by municipalities on a form soko generates) and the evidence of the
nine stages of the cycle, from goals to the analysis of the effectiveness of measures.
Configuration: ``config/mechanisms.yml`` (:mod:`soko.procedures.mechanisms.settings`).
"""
