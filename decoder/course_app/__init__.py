"""The course service's process, composed above the packages it serves: the course service
(``decoder.service``: submissions, grading, feedback), peer review (``decoder.peer``) and the
dashboard and badges (``decoder.dashboard``). ``python -m decoder.course_app``, started by the
hub."""
