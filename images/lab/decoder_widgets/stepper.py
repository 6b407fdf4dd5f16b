"""A short program run line by line under a tracer, every step recorded (pure but for the run
itself): the line about to run, the frames (the main program and each function called) with
their variables, and what was printed so far; an error stops it at the line that raised.
stepper_widget.py shows a trace; this module only makes one.

A learner's program is hostile like any other: it is cut, with the reason, after ``max_steps``
steps, ``max_seconds`` of wall time (a timer signal, which also stops one long operation such
as ``2 ** 10 ** 9`` or a ``__repr__`` that never ends), or ``max_output`` printed characters;
values are shown shortened (``reprlib``); ``input()`` is refused with a message. The kernel's
own tracer, standard output and signal handler are given back whatever happens. (A program
that catches everything, ``except: pass`` inside an endless loop, can outlast its cut as it
can outlast the kernel's interrupt button: only the learner's own kernel is at stake.)
"""

from __future__ import annotations

import builtins
import io
import reprlib
import signal
import sys
import threading
import time
from dataclasses import dataclass

FILENAME = "<pas-à-pas>"
MAIN = "<module>"


@dataclass(frozen=True)
class Frame:
    function: str  # MAIN for the program itself
    variables: tuple[tuple[str, str], ...]  # (name, value shown), in the order they appeared


@dataclass(frozen=True)
class Step:
    line: int | None  # the line about to run; None once the program ended
    frames: tuple[Frame, ...]  # outermost first
    printed: str


@dataclass(frozen=True)
class Trace:
    source: str
    steps: tuple[Step, ...]
    error: tuple[int | None, str, str] | None = None  # (line, exception type, its message)
    cut: str | None = None  # "steps", "time" or "output": why the run was stopped


class Cut(BaseException):
    """Raised inside the learner's program to stop it (BaseException: an ``except
    Exception`` in their code does not swallow it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Printed(io.TextIOBase):
    def __init__(self, most: int):
        self.parts: list[str] = []
        self.size, self.most = 0, most

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.most - self.size
        self.parts.append(text[:max(room, 0)])
        self.size += len(text)
        if self.size > self.most:
            raise Cut("output")
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _shorten() -> reprlib.Repr:
    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlong = 60, 60, 40
    short.maxlist = short.maxtuple = short.maxset = short.maxdict = 12
    short.maxlevel = 3
    return short


def _no_input(*_args, **_kwargs):
    raise RuntimeError("input() n'est pas disponible dans le pas à pas : donnez une valeur à "
                       "la variable directement dans le code.")


def trace(source: str, *, max_steps: int = 200, max_seconds: float = 3.0,
          max_output: int = 10_000) -> Trace:
    """Run ``source`` and record it step by step (a SyntaxError is an error at its line,
    with no step)."""
    try:
        code = compile(source, FILENAME, "exec")
    except SyntaxError as error:
        return Trace(source, (), (error.lineno, type(error).__name__, error.msg or ""))
    shorten = _shorten()
    printed = _Printed(max_output)
    steps: list[Step] = []
    namespace = {"__name__": "__main__",
                 "__builtins__": {**vars(builtins), "input": _no_input}}

    def shown(value) -> str:
        if callable(value) and hasattr(value, "__code__"):  # a function of the program
            code = value.__code__
            return f"def {value.__name__}({', '.join(code.co_varnames[:code.co_argcount])})"
        try:
            return shorten.repr(value)
        except Cut:
            raise
        except Exception:  # noqa: BLE001 - a __repr__ of the learner's that fails
            return f"<{type(value).__name__}>"

    def frames_of(frame) -> tuple[Frame, ...]:
        chain = []
        while frame is not None:
            if frame.f_code.co_filename == FILENAME:
                chain.append(frame)
            frame = frame.f_back
        result = []
        for each in reversed(chain):
            names = each.f_globals if each.f_code.co_name == MAIN else each.f_locals
            variables = tuple((name, shown(value)) for name, value in list(names.items())
                              if not name.startswith("__") and not _is_module(value))
            result.append(Frame(each.f_code.co_name, variables))
        return tuple(result)

    def tracer(frame, event, _arg):
        if frame.f_code.co_filename != FILENAME:
            return None  # nothing inside the standard library's functions
        if event == "line":
            if len(steps) >= max_steps:
                raise Cut("steps")
            steps.append(Step(frame.f_lineno, frames_of(frame), printed.text()))
        return tracer

    error, cut = None, None
    kept_trace, kept_out = sys.gettrace(), sys.stdout
    timer = TimeLimit(max_seconds)
    try:
        with timer:
            sys.stdout = printed
            sys.settrace(tracer)
            try:
                exec(code, namespace)
            finally:
                sys.settrace(kept_trace)
                sys.stdout = kept_out
    except Cut as stop:
        cut = stop.reason
    except Exception as raised:  # noqa: BLE001 - the learner's program's own error
        error = (_line_of(raised), type(raised).__name__, str(raised)[:300])
    final_frames = steps[-1].frames if steps else ()
    if error is None and cut is None:
        main = tuple((name, shown(value)) for name, value in list(namespace.items())
                     if not name.startswith("__") and not _is_module(value))
        final_frames = (Frame(MAIN, main),)
    steps.append(Step(error[0] if error else None, final_frames, printed.text()))
    return Trace(source, tuple(steps), error, cut)


@dataclass(frozen=True)
class Ran:
    printed: str
    error: tuple[int | None, str, str] | None = None
    cut: str | None = None


def run(source: str, namespace: dict, *, max_seconds: float = 3.0,
        max_output: int = 10_000) -> Ran:
    """Run ``source`` in ``namespace`` with the same limits as a trace (time, output, no
    input()), without recording steps: for checking a program, as a Parsons problem does."""
    try:
        code = compile(source, FILENAME, "exec")
    except SyntaxError as error:
        return Ran("", (error.lineno, type(error).__name__, error.msg or ""))
    namespace.setdefault("__builtins__", {**vars(builtins), "input": _no_input})
    printed, kept_out = _Printed(max_output), sys.stdout
    try:
        with TimeLimit(max_seconds):
            sys.stdout = printed
            try:
                exec(code, namespace)
            finally:
                sys.stdout = kept_out
    except Cut as stop:
        return Ran(printed.text(), None, stop.reason)
    except Exception as raised:  # noqa: BLE001 - the program's own error
        return Ran(printed.text(), (_line_of(raised), type(raised).__name__, str(raised)[:300]))
    return Ran(printed.text())


def notebook_namespace(*, private: bool = True) -> dict:
    """A copy of the notebook's variables (the learner's kernel), {} outside a kernel; without
    ``private``, names starting with « _ » (IPython's own) are left out."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        return {}
    return {name: value for name, value in shell.user_ns.items()
            if private or not name.startswith("_")}


def _is_module(value) -> bool:
    return type(value).__name__ == "module"


def _line_of(error: BaseException) -> int | None:
    """The line of the learner's program where ``error`` was raised (the deepest one)."""
    line, tb = None, error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class TimeLimit:
    """``max_seconds`` of wall time for the run, by SIGALRM (main thread only: elsewhere the
    step limit alone holds). A timer already set (by whoever set it) is set again after,
    less the time spent."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.active = threading.current_thread() is threading.main_thread()

    def _ring(self, _signum, _frame):
        raise Cut("time")

    def __enter__(self):
        if self.active:
            self.kept = signal.signal(signal.SIGALRM, self._ring)
            self.kept_timer, self.started = signal.getitimer(signal.ITIMER_REAL), time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *_exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.kept)
            remaining, interval = self.kept_timer
            if remaining:
                left = remaining - (time.monotonic() - self.started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), interval)
        return False
