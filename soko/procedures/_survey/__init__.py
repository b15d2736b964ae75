"""Surveys of students and parents: questionnaires, demo answers, contracts, indices."""
