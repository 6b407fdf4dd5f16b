"""nbgrader settings of the course, used to generate student versions and to grade.

CourseDirectory.root is set by whoever runs nbgrader (the content tests, the grading service).
"""

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "decoder-le-code"
# erreurs.toml holds the likely mistakes replayed by the content tests: not for learners.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "erreurs.toml"]
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
c.ExecutePreprocessor.timeout = 30
c.Execute.timeout = 30
