"""nbgrader settings of the course, used to generate student versions and to grade.

CourseDirectory.root is set by whoever runs nbgrader (the content tests, the grading service).
"""

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "decoder-le-code"
# erreurs.toml (likely mistakes) and niveaux.toml (the guided level's blanks, the extension's
# solution) are replayed by the content tests: not for learners.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "erreurs.toml", "niveaux.toml"]
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
c.ExecutePreprocessor.timeout = 30
c.Execute.timeout = 30
