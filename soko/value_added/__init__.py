"""The regional school-evaluation model: multilevel value-added with context (decree 002_* §4.2)."""

from soko.value_added.model import ValueAddedResult, band, fit_value_added

__all__ = ["ValueAddedResult", "band", "fit_value_added"]
