"""Test cells, judged in the trusted test process: never in the learner's kernel.

The grading worker runs each test cell's code (the master's, from nbgrader's gradebook) here,
in a namespace of its own. A name the cell uses from the learner's notebook (``saluer``,
``panier``…) is a :class:`Distant`: calling it asks the learner's kernel (graders/kernel_side.py)
to call the learner's function with the test's arguments and answer what it returned, as plain
data (graders/plaindata.py), what it printed, or the exception's type name and text. The
learner's code never runs here, and never sees the test's code or its expected values; a kernel
that lies can only give wrong answers, which the checks judge here.

A cell's hidden tests (``### BEGIN HIDDEN TESTS``) run apart from its visible ones: every visible
part of the notebook first, then every hidden part (graders/execute.py), so that nothing the
learner's kernel learns from a hidden call (its arguments) can reach a message a learner reads
before the hidden tests are released.

Everything here but ``exec`` of the master's code and the questions to the kernel is pure.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import math
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from decoder.messages import message

from . import plaindata
from .checks import Decrit, Ecart

HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MAX_LABEL = 120  # characters of a call shown in a message: saluer('Awa')
MAX_PRINTED = 50_000  # characters of output kept per test part
BUILTIN_NAMES = frozenset(dir(builtins))


# ---- what a test cell is made of (pure) ----

def split_hidden(source: str) -> tuple[str, str]:
    """(visible code, hidden code) of a test cell. Each keeps the cell's line numbers: the
    other part's lines, and the markers, are blank lines."""
    visible, hidden, inside = [], [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line or HIDDEN_END in line:
            inside = HIDDEN_BEGIN in line
            visible.append("")
            hidden.append("")
            continue
        (hidden if inside else visible).append(line)
        (visible if inside else hidden).append("")
    return "\n".join(visible) + "\n", "\n".join(hidden) + "\n"


def hidden_line_count(source: str) -> int:
    return sum(1 for line in split_hidden(source)[1].splitlines() if line.strip())


def free_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names the code reads and never binds, builtins aside: (those only ever called by name,
    ``saluer(...)``, the others)."""
    bound, loaded, called = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(id(node.func))
    free = loaded - bound - BUILTIN_NAMES
    only_called = {name for name in free if all(
        id(node) in called for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load))}
    return only_called, free - only_called


def call_label(path: list[str], args: tuple, kwargs: dict) -> str:
    """``saluer('Awa')``: a call as a message shows it (the test's own values)."""
    shown = [_short_repr(a) for a in args] + [f"{k}={_short_repr(v)}" for k, v in kwargs.items()]
    label = f"{'.'.join(path)}({', '.join(shown)})"
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 3] + "..."


def _short_repr(value: object) -> str:
    if issubclass(type(value), Distant):
        return ".".join(value.path)
    text = repr(value) if type(value) in plaindata.SCALARS or \
        type(value) in plaindata.CONTAINERS else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


# ---- what can happen to a test ----

class LearnerError(Exception):
    """The learner's code raised ``type_name: text`` during ``call``. Raised in the test's code
    as a subclass of the builtin exception of that name when there is one, so that a test can
    expect it (``except ZeroDivisionError``)."""

    def __init__(self, type_name: str, text: str, call: str):
        super().__init__(f"{type_name}: {text}")
        self.type_name, self.text, self.call = type_name, text, call

    def message(self) -> dict:
        if self.type_name == "NotImplementedError":  # the stub nbgrader leaves in an answer
            return message("grader.not_answered")
        return message("grader.raised", call=self.call, type=self.type_name, text=self.text)


def learner_error(type_name: str, text: str, call: str) -> LearnerError:
    builtin = getattr(builtins, type_name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception) and builtin is not Exception:
        try:
            kind = type(type_name, (LearnerError, builtin), {"__init__": LearnerError.__init__,
                                                              "__str__": LearnerError.__str__})
            return kind(type_name, text, call)
        except TypeError:  # a builtin exception whose layout cannot be mixed in (OSError...)
            pass
    return LearnerError(type_name, text, call)


class NotDefined(NameError):
    """The learner's notebook defines no such name."""

    def __init__(self, name: str):
        super().__init__(f"name {name!r} is not defined", name=name)

    def message(self) -> dict:
        return message("grader.not_defined", name=self.name)


class UnreadableAnswer(Exception):
    """The kernel's answer is not what kernel_side.py sends: the learner's code changed how
    its kernel runs, or returned something that is not plain data."""

    def __init__(self, key: str, call: str):
        super().__init__(call)
        self.key, self.call = key, call

    def message(self) -> dict:
        return message(self.key, call=self.call)


class ArgumentNotSendable(TypeError):
    """A test called the learner's code with what is not plain data (its author's mistake)."""

    def message(self) -> dict:
        return message("grader.argument_not_sendable", type=str(self))


class KernelStopped(BaseException):
    """The learner's kernel can no longer answer: ``key`` says why (grader.kernel_died,
    grader.kernel_stuck, grader.stopped_at_limit). A BaseException: a test's ``except
    Exception`` does not hide it, and the test stops there."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params

    def message(self) -> dict:
        return message(self.key, **self.params)


# ---- the learner's names, seen from here ----

class Distant(Decrit):
    """A name of the learner's notebook (or an attribute of one): it equals nothing and shows
    as ``un objet de type X``; calling it asks the learner's kernel to call it."""

    __slots__ = ("conversation", "path")

    def __init__(self, conversation: Conversation, path: list[str], type_name: str):
        super().__init__("checks.object", type=type_name)
        self.conversation, self.path = conversation, path

    def __call__(self, *args, **kwargs):
        return self.conversation.call(self.path, args, kwargs)

    def __getattr__(self, name: str):
        if name.startswith("_") or name in Distant.__slots__:  # not set yet: never the kernel's
            raise AttributeError(name)
        return self.conversation.view(self.path + [name])


Ask = Callable[[dict], dict]  # a question to the learner's kernel -> its answer (JSON data)


class Conversation:
    """The test process's questions to one learner's kernel. ``ask`` raises KernelStopped
    when the kernel cannot answer (dead, stuck, or past the test's time)."""

    def __init__(self, ask: Ask):
        self.ask = ask

    def views(self, names: set[str]) -> dict[str, object]:
        """What each name is in the learner's namespace (missing names are left out)."""
        if not names:
            return {}
        answer = self.ask({"op": "views", "names": sorted(names)})
        views = answer.get("views") if type(answer) is dict else None
        if type(views) is not dict:
            raise UnreadableAnswer("grader.no_answer", ", ".join(sorted(names)))
        found = {}
        for name in names:
            value = self._value_of([name], views.get(name))
            if value is not _MISSING:
                found[name] = value
        return found

    def view(self, path: list[str]) -> object:
        """What ``path`` (a name, then attributes) is in the learner's namespace."""
        answer = self.ask({"op": "view", "path": path})
        value = self._value_of(path, answer.get("view") if type(answer) is dict else None)
        if value is _MISSING:
            raise NotDefined(path[0])
        return value

    def _value_of(self, path: list[str], view: object) -> object:
        label = ".".join(path)
        if type(view) is not dict:
            raise UnreadableAnswer("grader.no_answer", label)
        kind = view.get("kind")
        if kind == "missing":
            return _MISSING
        if kind == "data":
            return self._decoded(view.get("value"), label)
        if kind in ("callable", "object") and type(view.get("type")) is str:
            return Distant(self, path, view["type"][:100])
        if kind == "raised":
            raise learner_error(str(view.get("type"))[:100], str(view.get("text"))[:2000],
                                label)
        raise UnreadableAnswer("grader.no_answer", label)

    def call(self, path: list[str], args: tuple, kwargs: dict) -> object:
        label = call_label(path, args, kwargs)
        try:
            request = {"op": "call", "path": path,
                       "args": plaindata.encode(list(args), _reference, strict=True),
                       "kwargs": plaindata.encode(dict(kwargs), _reference, strict=True)}
        except plaindata.NotPlainData as error:  # the test's own mistake: tell the author
            raise ArgumentNotSendable(str(error)) from None
        answer = self.ask(request)
        if type(answer) is not dict:
            raise UnreadableAnswer("grader.no_answer", label)
        if type(answer.get("printed")) is str:
            sys.stdout.write(answer["printed"][-MAX_PRINTED:])
        if type(answer.get("missing")) is str:
            raise NotDefined(path[0])
        if type(answer.get("raised")) is dict:
            raised = answer["raised"]
            raise learner_error(str(raised.get("type"))[:100], str(raised.get("text"))[:2000],
                                label)
        if "returned" not in answer:
            raise UnreadableAnswer("grader.no_answer", label)
        return self._decoded(answer["returned"], label)

    @staticmethod
    def _decoded(encoded: object, label: str) -> object:
        try:
            return plaindata.decode(encoded)
        except plaindata.NotPlainData:
            raise UnreadableAnswer("grader.not_plain_data", label) from None


_MISSING = object()


def _reference(value: object) -> list[str] | None:
    """A Distant sent as an argument travels as its path: the kernel passes its own object."""
    return list(value.path) if issubclass(type(value), Distant) else None


# ---- running one part of a test cell ----

@dataclass
class PartResult:
    """What one part (visible or hidden) of a test cell did: its output, and its failure as a
    message of the catalogue (None when it passed), with the failure in full (``detail``)."""

    printed: str = ""
    failure: dict | None = None
    error_name: str = ""
    detail: str = ""
    stopped: KernelStopped | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return self.failure is None


def run_part(code: str, name: str, namespace: dict, conversation: Conversation) -> PartResult:
    """Run ``code`` (the master's) in ``namespace``, the names it needs from the learner's
    notebook resolved through ``conversation`` first."""
    filename = f"<test {name}>"
    printed = io.StringIO()
    try:
        tree = ast.parse(code, filename)
        compiled = compile(tree, filename, "exec")
        only_called, used = free_names(tree)
        for missing in only_called - set(namespace):  # asked for when called
            namespace[missing] = Distant(conversation, [missing], "function")
        namespace.update(conversation.views(used - set(namespace)))
        with contextlib.redirect_stdout(printed):
            exec(compiled, namespace)  # noqa: S102 - the master's test code, trusted
    except (Exception, SystemExit, KernelStopped) as error:
        return PartResult(printed.getvalue()[-MAX_PRINTED:], failure_message(error),
                          type(error).__name__, failure_detail(error, filename, code),
                          error if isinstance(error, KernelStopped) else None)
    return PartResult(printed.getvalue()[-MAX_PRINTED:])


def failure_message(error: BaseException) -> dict:
    """What a failed test says, as a message of the catalogue (never a learner's sentence:
    their values and exception texts are parameters of ours)."""
    if isinstance(error, Ecart):
        return error.message
    if isinstance(error, (LearnerError, NotDefined, UnreadableAnswer, KernelStopped,
                          ArgumentNotSendable)):
        return error.message()
    if isinstance(error, NameError):
        return message("grader.not_defined", name=str(getattr(error, "name", "") or error))
    if isinstance(error, AssertionError):
        text = str(error)
        return message("grader.assertion", text=text) if text else \
            message("grader.assertion_plain")
    return message("grader.test_error", type=type(error).__name__, text=str(error)[:2000])


def failure_detail(error: BaseException, filename: str, code: str) -> str:
    """The failure in full for instructors: the test's lines that led to it, then the error."""
    lines = code.splitlines()
    steps = [f"{filename}, line {frame.lineno}: {lines[frame.lineno - 1].strip()}"
             for frame in traceback.extract_tb(error.__traceback__)
             if frame.filename == filename and 0 < (frame.lineno or 0) <= len(lines)]
    return "\n".join([*steps, f"{type(error).__name__}: {error}"])[-4000:]


def remaining_seconds(deadline: float, now: float) -> int:
    """Whole seconds left before ``deadline`` (at least 1, for a kernel's time limit)."""
    return max(1, math.ceil(deadline - now))
