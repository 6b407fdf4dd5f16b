"""Beginners' errors explained (images/lab/decoder_widgets/errors.py, beginner_errors.py): each
of the ten errors of the course's public, raised by a real program as a learner writes it,
gets what it means, the line, a likely fix, in French and English; the extension in a real
IPython shell puts it above Python's own traceback and the cell still fails."""

from __future__ import annotations

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

from decoder import messages
from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_widgets import beginner_errors, errors  # noqa: E402

PROGRAMS = {
    "name": ('prenom = "Samia"\nprint(prenon)', 2, "name_close_fix"),
    "syntax_unclosed": ('print("Bonjour"', 1, "syntax_unclosed_fix"),
    "syntax_quote": ('print("Bonjour)', 1, "syntax_quote_fix"),
    "syntax_colon": ("age = 20\nif age > 18\n    print('majeur')", 2, "syntax_colon_fix"),
    "syntax_equals": ("age = 20\nif age = 18:\n    print('18')", 2, "syntax_equals_fix"),
    "indent_expected": ("for i in range(3):\nprint(i)", 2, "indent_expected_fix"),
    "indent_unexpected": ("x = 1\n    y = 2", 2, "indent_unexpected_fix"),
    "str_number": ('age = 34\nprint("J\'ai " + age + " ans")', 2, "str_number_fix"),
    "index": ("courses = ['pain', 'lait']\nprint(courses[2])", 2, "index_fix"),
    "key": ("prix = {'pain': 1.2}\nprint(prix['Pain'])", 2, "key_fix"),
    "zero": ("notes = []\nmoyenne = sum(notes) / len(notes)", 2, "zero_fix"),
    "none_attribute": ("liste = [3, 1].sort()\nliste.append(2)", 2, "none_attribute_fix"),
    "none_value": ("def double(x):\n    print(x * 2)\n\ntotal = double(3) + 1", 4,
                   "missing_return_fix"),
    "recursion": ("def compte(n):\n    return compte(n - 1)\n\ncompte(3)", 2, "recursion_fix"),
}


def raised(source: str) -> tuple[BaseException, int | None, str]:
    namespace: dict = {}
    try:
        exec(compile(source, "/tmp/ipykernel_1/cellule.py", "exec"), namespace)
    except BaseException as error:  # noqa: BLE001 - what a learner's cell raises
        import traceback
        frames = [(f.filename, f.lineno, source.splitlines()[f.lineno - 1])
                  for f in traceback.extract_tb(error.__traceback__)
                  if f.filename.endswith("cellule.py")]
        line, code = errors.learner_line(frames, beginner_errors.is_cell)
        return error, line, code
    raise AssertionError("no error raised")


@pytest.mark.parametrize("what", PROGRAMS)
def test_each_beginners_error_is_explained_with_its_line_and_a_fix(what):
    source, line, fix = PROGRAMS[what]
    error, at, code = raised(source)
    names = ["prenom", "print"]
    explanation = errors.explain(error, line=at, code=code, names=names)
    assert explanation is not None, f"{type(error).__name__}: {error}"
    assert explanation.what[0] == what and explanation.fix[0] == fix
    assert explanation.line == line
    assert explanation.code == source.splitlines()[line - 1].strip()
    for language in messages.LANGUAGES:
        for key, params in (explanation.what, explanation.fix):
            text = messages.say(f"errors.{key}", language, **params)
            assert text and "{" not in text.replace("{age}", "")


def test_an_interrupted_loop_and_an_unknown_error():
    assert errors.explain(KeyboardInterrupt()).what[0] == "interrupted"
    assert errors.explain(ValueError("invalid literal for int()")) is None
    assert errors.explain(TypeError("len() takes exactly one argument")) is None
    close = errors.explain(NameError("name 'pirnt' is not defined", name="pirnt"),
                           names=["print"])
    assert close.fix == ("name_close_fix", {"close": "print"})
    far = errors.explain(NameError("name 'Bonjour' is not defined", name="Bonjour"),
                         names=["print"])
    assert far.fix == ("name_fix", {})  # (a word that was meant to be a text)


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    beginner_errors.load_ipython_extension(shell)
    yield shell
    beginner_errors.unload_ipython_extension(shell)
    InteractiveShell.clear_instance()


def test_in_a_real_shell_the_explanation_comes_above_pythons_traceback(shell, capsys):
    result = shell.run_cell("prenom = 'Samia'\nprint(prenon)")
    assert isinstance(result.error_in_exec, NameError)  # the cell still fails
    shown = capsys.readouterr()
    out = shown.out + shown.err
    assert "Python ne connaît pas le nom « prenon »" in out
    assert "Vouliez-vous écrire « prenom » ?" in out
    assert "À la ligne 2 : print(prenon)" in out
    assert out.index("Ce que dit cette erreur") < out.index("NameError")  # traceback kept, below
    result = shell.run_cell("if True\n    print(1)")
    assert result.error_before_exec is not None
    assert "deux-points" in capsys.readouterr().out
    shell.run_cell("n = 0\nwhile n < 10:\n    raise KeyboardInterrupt  # (the kernel's interrupt)")
    assert "que quelque chose change à chaque tour" in capsys.readouterr().out


def test_a_failing_explanation_never_hides_the_traceback(shell, capsys, monkeypatch):
    monkeypatch.setattr(errors, "explain", lambda *a, **k: 1 / 0)
    shell.run_cell("1 / 0")
    out = capsys.readouterr()
    assert "ZeroDivisionError" in out.out + out.err
