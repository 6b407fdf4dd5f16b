"""Named fakes for unit tests that cannot use a real kernel (DESIGN: fakes in one module).

``InProcessKernel`` answers the trusted side's questions with graders/kernel_side.py's own code
on a namespace dict, in this process: the real answering code, without a kernel around it.
``LyingKernel`` answers whatever it was given: a takeover of the learner's kernel.
Integration tests use real sandboxed kernels instead (tests/test_grading_sandbox.py).
"""

from __future__ import annotations

import json

from graders import kernel_side


class InProcessKernel:
    def __init__(self, code: str = ""):
        self.namespace: dict = {}
        exec(code, self.namespace)  # noqa: S102 - the test's own "learner" code
        self.questions: list[dict] = []

    def ask(self, request: dict) -> dict:
        self.questions.append(request)
        return json.loads(json.dumps(kernel_side.handle(self.namespace, request)))


class LyingKernel:
    def __init__(self, *answers: object):
        self.answers = list(answers)
        self.questions: list[dict] = []

    def ask(self, request: dict) -> object:
        self.questions.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
