"""A catalogue of real-world input variants: each case a folder of raw files and what ingest
must say about it (issue 11). Cases live in ``cases_*.py`` modules, one per theme; the test
``tests/test_input_catalogue.py`` runs every one through the real ``soko ingest``."""
