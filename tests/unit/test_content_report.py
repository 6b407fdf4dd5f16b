"""The lessons' counts (decoder/ops/content_report.py) on small notebooks made here; the course's
own weeks are held to the bar in tests/course/test_content.py."""

from __future__ import annotations

import nbformat

from decoder.ops import content_report as report


def lesson(tmp_path, name: str, cells: list) -> report.LessonCount:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = cells
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return report.count_lesson(path)


def words(n: int) -> str:
    return " ".join(["mot"] * n)


def test_words_leave_code_and_link_targets_out():
    assert report.words_of("Un **mot** et `print`, [un lien](https://exemple.fr/a-b-c).") == 6
    assert report.words_of("Avant\n```python\nx = 1 + 2\n```\naprès l'exemple") == 3


def test_a_lesson_counts_its_stretches_widgets_and_primm_steps(tmp_path):
    tagged = nbformat.v4.new_code_cell("print(1)")
    tagged.metadata["tags"] = ["primm-investigate"]
    counted = lesson(tmp_path, "a", [
        nbformat.v4.new_markdown_cell(words(100)), nbformat.v4.new_markdown_cell(words(60)),
        nbformat.v4.new_code_cell('quiz("""id = "q"\n""")\npredisez("p", "print(1)")'),
        nbformat.v4.new_markdown_cell(words(20)), tagged,
        nbformat.v4.new_code_cell("def f(:\n"),  # a cell that does not parse still counts
    ])
    assert (counted.words, counted.longest_stretch, counted.things_to_do) == (180, 160, 3)
    assert counted.widgets == {"questions": 1, "predictions": 1}
    assert counted.primm == ["primm-investigate"]
    assert report.widget_data(report.widget_calls('quiz({"id": "x"})')[0][1]) == {"id": "x"}
    assert report.widget_data(report.widget_calls("quiz(donnees)")[0][1]) is None


def test_the_bar_names_what_a_week_lacks(tmp_path):
    def step(tag):
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["tags"] = [tag]
        return cell
    full = [nbformat.v4.new_markdown_cell(words(140)) if n % 2 == 0 else
            nbformat.v4.new_code_cell('quiz("a")\nquiz("b")\nquiz("c")\nquiz("d")\n'
                                      'predisez("a", "")\npas_a_pas("")\n'
                                      'remettre_en_ordre("")')
            for n in range(10)]
    good = [lesson(tmp_path, f"l{i}", full + [step("primm-investigate"), step("primm-modify"),
                                              step("primm-make")]) for i in range(3)]
    assert report.shortfalls(good) == []
    out_of_order = [lesson(tmp_path, f"m{i}", full + [step("primm-make"), step("primm-modify"),
                                                      step("primm-investigate")])
                    for i in range(2)]
    said = report.shortfalls(out_of_order)
    assert "2 lessons (at least 3)" in said and "no Investigate → Modify → Make sequence" in said
    long = lesson(tmp_path, "long", [nbformat.v4.new_markdown_cell(words(151))])
    assert "long: 151 words without a thing to do (at most 150)" in report.shortfalls([long])
