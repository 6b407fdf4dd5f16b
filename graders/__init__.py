"""Grading: checks shared by exercises (graders.checks); the sandboxed runner comes with the submissions service."""
