"""Peer grades and calibration (decoder/peer/scoring.py), the anonymised copy and the sanitiser
of learners' texts."""

from __future__ import annotations

import json
import math
import statistics
from html.parser import HTMLParser

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from decoder.peer import scoring
from decoder.peer.anonymise import anonymised
from decoder.peer.sanitize import markdown_html


@given(st.lists(st.integers(0, 5), min_size=1, max_size=9))
def test_the_median_is_oras_rounded_up_on_even_counts(values):
    assert scoring.median_rounded_up(values) == math.ceil(statistics.median(values))


def test_examples_of_the_median():
    assert scoring.median_rounded_up([1, 2]) == 2
    assert scoring.median_rounded_up([0, 1, 2, 2]) == 2
    assert scoring.median_rounded_up([0, 0, 2]) == 0


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([0.5, 1.0])), min_size=1,
                max_size=9))
def test_a_weighted_median_is_a_given_value_or_between_two(weighted):
    result = scoring.weighted_median(weighted)
    values = sorted(v for v, _ in weighted)
    assert values[0] <= result <= values[-1]


def test_a_far_reviewer_weighs_half():
    # two reviewers say 2, one far reviewer says 0, one says 0: equal weights -> mean of 0 and 2
    # rounded up = 1; the far one at half weight tips the median to 2
    equal = [(2, 1.0), (2, 1.0), (0, 1.0), (0, 1.0)]
    assert scoring.weighted_median(equal) == 1
    assert scoring.weighted_median([(2, 1.0), (2, 1.0), (0, 1.0), (0, 0.5)]) == 2


def test_a_staff_review_replaces_the_peers():
    peers = [scoring.Given((2, 1, 2)), scoring.Given((0, 0, 0)), scoring.Given((2, 2, 2))]
    assert scoring.peer_points(peers, 3) == 2 + 1 + 2
    assert scoring.peer_points(peers, 3, staff=scoring.Given((1, 1, 1))) == 3
    assert scoring.peer_points([], 3) is None


def test_calibration_rule_and_figures():
    assert scoring.agreement(2, scoring.expected_points(1, 1, 2), 2) == 1.0
    assert scoring.agreement(0, scoring.expected_points(1, 1, 2), 2) == 0.0
    assert scoring.agreement(1, scoring.expected_points(1, 2, 2), 2) == 1.0
    one = scoring.calibration([0.0])
    assert not one.far and one.weight == 1.0  # a single judgment decides nothing
    far = scoring.calibration([0.0, 0.5])
    assert far.far and far.weight == scoring.FAR_WEIGHT
    assert not scoring.calibration([1.0, 0.5, 0.0]).far  # 0.5 is not below 0.5
    assert scoring.calibration([]).agreement is None


def test_the_week_grade_weighs_autograded_and_peer_points():
    assert scoring.week_grade(12, 12, 6, 6, 0.7, 0.3) == 100.0
    assert scoring.week_grade(6, 12, 3, 6, 0.7, 0.3) == 50.0
    assert scoring.week_grade(12, 12, None, 6, 0.7, 0.3) == 70.0


def test_the_copy_names_nobody():
    notebook = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "authors": [{"name": "Samia Benali"}], "jupyter": {"user": "samia"}})
    notebook.cells = [
        nbformat.v4.new_markdown_cell("Par SAMIA, voir /home/samia/notes.txt",
                                      attachments={"a.png": {"image/png": "AAAA"}}),
        nbformat.v4.new_code_cell("print('samia')", outputs=[nbformat.v4.new_output(
            "stream", text="Bonjour samia, /home/jovyan/x")], execution_count=3),
    ]
    notebook.cells[1].metadata["nbgrader"] = {"grade_id": "programme"}
    copy = anonymised(notebook, "samia", heading="Copie anonyme")
    text = json.dumps(copy)
    assert "samia" not in text.lower() and "Benali" not in text
    assert copy.cells[0].source == "Copie anonyme"
    assert copy.cells[2].outputs == [] and copy.cells[2].execution_count is None
    assert copy.cells[2].metadata == {} and "attachments" not in copy.cells[1]
    assert set(copy.metadata) == {"kernelspec"}
    assert {c.id for c in copy.cells}.isdisjoint({c.get("id") for c in notebook.cells})
    nbformat.validate(copy)


HOSTILE = [
    "<script>alert(1)</script>", "<svg onload=alert(1)>", "<img src=x onerror=alert(1)>",
    "[clic](javascript:alert(1))", "<a href='javascript:alert(1)'>x</a>",
    "<form action='https://evil.example'><input name=q></form>", "<iframe src=//evil.example>",
    "<a id=peer_service name=cookie href=http://evil.example>x</a>",
    "<style>body{display:none}</style>", "[x](data:text/html,<script>alert(1)</script>)",
    "<div onclick=alert(1)>x</div>", "![x](https://evil.example/pixel.png)",
]


class Elements(HTMLParser):
    """The elements and attributes of an HTML text, as a browser's parser sees them."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


SAFE_TAGS = {"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "a",
             "hr", "h3", "h4", "h5", "h6", "del", "s"}


@pytest.mark.parametrize("text", HOSTILE)
def test_no_learner_text_becomes_active_html(text):
    parser = Elements()
    parser.feed(markdown_html(text))
    for tag, attributes in parser.found:
        assert tag in SAFE_TAGS, (text, tag)
        assert set(attributes) <= ({"href", "title", "rel"} if tag == "a" else set()), text
        if tag == "a" and "href" in attributes:
            assert attributes["href"].startswith(("http://", "https://")), text


def test_markdown_a_reviewer_may_use_stays():
    html = markdown_html("**Bien** : la *boucle* est claire.\n\n- un\n- deux\n\n"
                         "[doc](https://docs.python.org) `print`")
    assert "<strong>Bien</strong>" in html and "<em>boucle</em>" in html and "<li>un</li>" in html
    assert 'href="https://docs.python.org"' in html and "noopener" in html
    assert "<code>print</code>" in html


@pytest.mark.parametrize(("counted", "by_staff", "closed", "final"), [
    (1, False, False, False), (2, False, False, False), (3, False, False, True),
    (1, True, False, True), (1, False, True, True), (0, False, True, True)])
def test_a_peer_grade_is_provisional_until_it_can_no_longer_move(counted, by_staff, closed,
                                                                 final):
    grade = {"counted": counted, "by_staff": by_staff}
    assert scoring.grade_is_final(grade, 3, closed) is final
