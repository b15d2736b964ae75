"""soko."""
