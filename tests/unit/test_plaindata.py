"""Plain data between the learner's kernel and the trusted side (graders/plaindata.py): what
arrives is made of builtin types only, bounded, and anything else is a description equal to
nothing; what does not follow the format is refused."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders import plaindata
from graders.checks import Decrit

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | \
    st.floats(allow_nan=False)
hashable = st.recursive(scalars, lambda inner: st.tuples(inner, inner) |
                        st.frozensets(inner, max_size=3), max_leaves=8)
values = st.recursive(
    scalars | hashable,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) |
    st.dictionaries(hashable, inner, max_size=4) | st.sets(hashable, max_size=4),
    max_leaves=20)


def same(a, b) -> bool:
    """Equal with exact types all the way down."""
    if type(a) is not type(b):
        return False
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return set(a) == set(b) and all(same(a[k], b[k]) for k in a)
    return a == b


@given(values)
def test_plain_data_comes_back_with_its_exact_types(value):
    assert same(plaindata.decode(plaindata.encode(value)), value)


def test_floats_that_json_cannot_say_still_travel():
    back = plaindata.decode(plaindata.encode([math.inf, -math.inf, math.nan]))
    assert back[:2] == [math.inf, -math.inf] and math.isnan(back[2])


class Menteur(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__

    def __repr__(self):
        raise RuntimeError("never called")


@pytest.mark.parametrize("value", [Menteur(3), object(), print, [1, Menteur(2)],
                                   {"a": (lambda: 1)}], ids=["int-subclass", "object",
                                                             "function", "in-a-list", "in-dict"])
def test_anything_else_arrives_as_a_description_equal_to_nothing(value):
    back = plaindata.decode(plaindata.encode(value))
    found = back if type(back) is Decrit else (back[1] if type(back) is list else back["a"])
    assert type(found) is Decrit and found != found and not (found == 3)
    assert "un objet de type" in repr(found)


@pytest.mark.parametrize("value", [object(), "x" * (plaindata.MAX_TEXT + 1),
                                   [[[]]] * (plaindata.MAX_ITEMS + 1)],
                         ids=["object", "long-text", "many-items"])
def test_arguments_must_be_plain_data(value):
    with pytest.raises(plaindata.NotPlainData):
        plaindata.encode(value, strict=True)


@pytest.mark.parametrize("text", [
    "[1, 2]",  # a bare list: containers are always tagged
    '{"t": "list", "v": 3}', '{"t": "exec", "v": "import os"}', '{"t": "set", "v": [[1]]}',
    '{"t": "dict", "v": [[[1], 2]]}', '{"t": "ref", "v": ["saluer"]}', "NaN",
    "1" * 5000, "[" * 100_000, '{"t": "list", "v": [], "x": 1}', "pas du json",
])
def test_what_a_lying_kernel_sends_off_the_format_is_refused(text):
    with pytest.raises(plaindata.NotPlainData):
        plaindata.decode(text)


def test_size_and_depth_are_bounded_on_both_sides():
    deep = []
    for _ in range(plaindata.MAX_DEPTH + 5):
        deep = [deep]
    back = plaindata.decode(plaindata.encode(deep))
    for _ in range(plaindata.MAX_DEPTH):
        back = back[0]
    assert type(back) is Decrit  # cut where it got too deep
    hand_written = json.dumps({"t": "list", "v": [0] * (plaindata.MAX_ITEMS + 1)})
    with pytest.raises(plaindata.NotPlainData):
        plaindata.decode(hand_written)
    assert type(plaindata.decode(plaindata.encode(10 ** 2000))) is Decrit
