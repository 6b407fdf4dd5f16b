"""Grading: checks shared by the exercises' test cells (graders.checks)."""
