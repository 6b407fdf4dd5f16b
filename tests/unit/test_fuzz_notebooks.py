"""Notebook files fuzzed with Hypothesis through the submission's checks (the same functions
the service runs on every request body): malformed JSON, wrong nbformat versions, huge cells,
binary outputs, odd Unicode and traversal names. Each is accepted or refused with a message of
the catalogue, in French and in English; nothing else escapes. The accepted ones go through
grading in tests/test_fuzz_grading.py."""

from __future__ import annotations

import base64
import json

import nbformat
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from decoder import protocol
from decoder.service.rules import Refused, check_submission, submitted_files

NAME = "s1-bonjour"
LIMIT = protocol.max_submission_bytes(20)
EXAMPLES = 300

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
odd_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=50) | st.sampled_from(
    ["\u202e", "\ufeff", "\x00", "é" * 3, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\udcff".encode("utf-8", "surrogatepass")
     .decode("utf-8", "replace")])


@st.composite
def mutated_notebooks(draw) -> bytes:
    """A real notebook, then bent: version, cells, outputs, metadata."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(draw(odd_text)) for _ in range(draw(
        st.integers(0, 3)))]
    raw = json.loads(nbformat.writes(notebook))
    choice = draw(st.integers(0, 7))
    if choice == 0:
        raw["nbformat"] = draw(st.sampled_from([1, 2, 3, 5, 99, -1, "4", None, 4.5]))
    elif choice == 1:
        raw["nbformat_minor"] = draw(st.sampled_from([-1, 99, "x", None]))
    elif choice == 2 and raw["cells"]:
        raw["cells"][0]["source"] = "x = 1\n" * draw(st.integers(10_000, 120_000))
    elif choice == 3 and raw["cells"]:
        data = base64.b64encode(draw(st.binary(max_size=2000))).decode()
        raw["cells"][0]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                       "data": {"image/png": draw(st.sampled_from(
                                           [data, "%%%not base64", ""]))}}]
    elif choice == 4:
        raw["cells"] = draw(json_values)
    elif choice == 5:
        raw["metadata"] = draw(json_values)
    elif choice == 6 and raw["cells"]:
        raw["cells"][0] = draw(st.dictionaries(st.sampled_from(
            ["cell_type", "source", "outputs", "metadata", "id", "execution_count"]),
            json_values, max_size=6))
    elif choice == 7:
        return ("[" * draw(st.integers(2000, 20000))).encode()  # nested past the parser
    return json.dumps(raw, ensure_ascii=draw(st.booleans())).encode()


notebook_bytes = st.one_of(
    mutated_notebooks(),
    st.binary(max_size=300),
    st.builds(lambda value: json.dumps(value).encode(), json_values),
    odd_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
)
file_names = st.one_of(
    st.just(f"{NAME}.ipynb"),
    st.sampled_from(["../x.ipynb", "/etc/passwd", "a/../../b.ipynb", ".bashrc", "a\\b.ipynb",
                     "nul\0.ipynb", "a//b.ipynb", "x" * 300 + ".ipynb", "données/é.ipynb",
                     "\u202egnp.ipynb", "CON.ipynb", "~/.jupyter/x.py"]),
    odd_text.map(lambda text: text + ".ipynb"),
)
payloads = st.one_of(
    st.dictionaries(file_names, notebook_bytes, min_size=1, max_size=3).map(
        protocol.encode_files),
    json_values,  # anything at all as the request body
    st.dictionaries(st.just("files"), st.dictionaries(st.text(max_size=10), json_values,
                                                     max_size=3)),
)


def check(payload) -> str:
    """What the service does with a body: 'accepted', or the refusal's messages."""
    try:
        check_submission(NAME, submitted_files(payload), LIMIT)
    except Refused as refused:
        french, english = refused.text("fr"), refused.text("en")
        assert french and english and french != english, refused.key
        assert "Traceback" not in french
        return refused.key
    return "accepted"


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(payloads)
def test_any_body_is_accepted_or_refused_with_a_message(payload):
    event(check(payload))  # --hypothesis-show-statistics: how often each answer came


def test_the_known_shapes_are_told_apart():
    valid = nbformat.writes(nbformat.v4.new_notebook()).encode()
    assert check(protocol.encode_files({f"{NAME}.ipynb": valid})) == "accepted"
    assert check(protocol.encode_files({f"{NAME}.ipynb": b"[" * 5000})) == "notebook_broken"
    assert check(protocol.encode_files({"../x.ipynb": valid})) == "bad_name"
    assert check({"files": {f"{NAME}.ipynb": "%%%"}}) != "accepted"
