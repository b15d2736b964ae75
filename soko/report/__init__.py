"""Report pages: executed notebooks as offline HTML, and the site indexes linking them."""

from soko.report.html import OfflinePageError, external_resources, render_page
from soko.report.site import PageEntry, write_root_index, write_year_index

__all__ = [
    "OfflinePageError",
    "PageEntry",
    "external_resources",
    "render_page",
    "write_root_index",
    "write_year_index",
]
