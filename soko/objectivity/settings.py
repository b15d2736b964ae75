"""The objectivity screen's settings from ``config/objectivity.yml`` (minimum sizes, index
weights, marker thresholds), so a region changes them without touching code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from soko.config import load_yaml
from soko.settings import objectivity as schema

SIGNALS: tuple[str, ...] = schema.SIGNALS  # the file's model rejects weights of other signals


@dataclass(frozen=True)
class Settings:
    unit_n: int = 10
    journal_n: int = 10
    bunching_window_n: int = 5
    class_n: int = 5
    profile_n: int = 30
    bunching_below: int = 3
    near_identical_share: float = 0.1
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SIGNALS, 1.0))
    marker_z: float = 2.0
    evidence_z: float = 2.0
    # school groups of the expected-result model (names as in region.yml)
    selective_kinds: tuple[str, ...] = schema.DEFAULT_SELECTIVE_KINDS
    basic_kinds: tuple[str, ...] = schema.DEFAULT_BASIC_KINDS
    village_localities: tuple[str, ...] = schema.DEFAULT_VILLAGE_LOCALITIES


def load_settings(directory: Path | None = None) -> Settings:
    """Settings from ``objectivity.yml`` (in ``directory`` or the project's ``config/``)."""
    raw = load_yaml("objectivity.yml", directory)
    minimum = raw.get("minimum", {})
    expectation = raw.get("expectation", {})
    weights = {k: float(v) for k, v in raw.get("index", {}).get("weights", {}).items()}
    unknown = set(weights) - set(SIGNALS)
    if unknown:
        raise ValueError(f"objectivity.yml: unknown signals in index.weights: {sorted(unknown)}")
    base = Settings()
    return Settings(
        unit_n=int(minimum.get("unit_n", base.unit_n)),
        journal_n=int(minimum.get("journal_n", base.journal_n)),
        bunching_window_n=int(minimum.get("bunching_window_n", base.bunching_window_n)),
        class_n=int(minimum.get("class_n", base.class_n)),
        profile_n=int(minimum.get("profile_n", base.profile_n)),
        bunching_below=int(raw.get("bunching", {}).get("below", base.bunching_below)),
        near_identical_share=float(
            raw.get("similarity", {}).get("near_identical_share", base.near_identical_share)
        ),
        weights={**dict.fromkeys(SIGNALS, 0.0), **weights} if weights else base.weights,
        marker_z=float(raw.get("marker", {}).get("index_z", base.marker_z)),
        evidence_z=float(raw.get("marker", {}).get("evidence_z", base.evidence_z)),
        selective_kinds=tuple(expectation.get("selective_kinds", base.selective_kinds)),
        basic_kinds=tuple(expectation.get("basic_kinds", base.basic_kinds)),
        village_localities=tuple(expectation.get("village_localities", base.village_localities)),
    )
