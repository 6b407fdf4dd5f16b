"""Values crossing between the learner's kernel and the trusted test process: plain data only
(pure, standard library only).

The learner's kernel encodes what its code returned (``encode``); the trusted side decodes it
(``decode``) and does nothing else with what it received: no pickle, no import, no call, no
method of a class the learner wrote. Plain data is None, booleans, integers, floats, text, and
lists, tuples, dicts, sets and frozensets of plain data, bounded in size and depth. Anything else
travels as its type's name only and arrives as a :class:`graders.checks.Decrit`, which equals
nothing. A kernel that lies can only send wrong plain data.

The same format carries a test's arguments the other way (``encode`` on the trusted side,
``decode`` with ``references`` in the kernel, where a reference names a value of the learner's
namespace).
"""

from __future__ import annotations

import json
import math

MAX_DEPTH = 20  # containers inside containers
MAX_ITEMS = 10_000  # values in all, containers included
MAX_TEXT = 1_000_000  # characters of text in all
MAX_INT_DIGITS = 1_000
MAX_JSON = 8_000_000  # characters of an encoded value: beyond, it is not even read

SCALARS = (type(None), bool, int, float, str)
CONTAINERS = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset", dict: "dict"}
BUILDERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


class NotPlainData(ValueError):
    """What was received is not this format: a broken or lying kernel."""


class _Budget:
    def __init__(self):
        self.items = 0
        self.text = 0

    def spend(self, items: int = 1, text: int = 0) -> bool:
        self.items += items
        self.text += text
        return self.items <= MAX_ITEMS and self.text <= MAX_TEXT


def encode(value: object, references=None, strict: bool = False) -> str:
    """``value`` as JSON text. Exact types only (a subclass of ``int`` is not an int here, so
    no method of it is ever called); what is not plain data, or too big, travels as a
    description, or raises NotPlainData when ``strict`` (a test's arguments).
    ``references(value)`` may name a value by a path instead (trusted side)."""
    return json.dumps(_encode(value, 0, _Budget(), references, strict), ensure_ascii=False,
                      allow_nan=False)


def _encode(value, depth: int, budget: _Budget, references, strict: bool = False):
    encoded = _encode_one(value, depth, budget, references, strict)
    if strict and type(encoded) is dict and encoded["t"] in ("big", "object"):
        raise NotPlainData(encoded.get("v") or "a value too big")
    return encoded


def _encode_one(value, depth: int, budget: _Budget, references, strict: bool):
    kind = type(value)
    if references is not None:
        path = references(value)
        if path is not None:
            return {"t": "ref", "v": path}
    if kind in SCALARS:
        if kind is str and not budget.spend(text=len(value)):
            return {"t": "big"}
        if kind is int and abs(value) >= 10**MAX_INT_DIGITS:
            return {"t": "big"}
        if kind is float and not math.isfinite(value):
            return {"t": "float", "v": repr(value)}
        budget.spend()
        return value
    if kind in CONTAINERS:
        if depth >= MAX_DEPTH or not budget.spend(len(value)):
            return {"t": "big"}
        if kind is dict:
            items = [[_encode(k, depth + 1, budget, references, strict),
                      _encode(v, depth + 1, budget, references, strict)]
                     for k, v in value.items()]
        else:
            items = [_encode(item, depth + 1, budget, references, strict) for item in value]
        return {"t": CONTAINERS[kind], "v": items}
    return {"t": "object", "v": kind.__name__[:100]}


def decode(text: str, references=None) -> object:
    """The value ``encode`` wrote, made of builtin types only; NotPlainData when ``text`` is
    not that format. ``references(path)`` resolves a reference (kernel side only)."""
    if not isinstance(text, str) or len(text) > MAX_JSON:
        raise NotPlainData("not a text, or too long")
    try:
        data = json.loads(text, parse_constant=_refuse)
    except (ValueError, RecursionError) as error:
        raise NotPlainData(f"not JSON: {error}") from None
    return _decode(data, 0, _Budget(), references)


def _refuse(constant: str):
    raise ValueError(f"{constant} is written as a tagged float")


def _decode(data, depth: int, budget: _Budget, references):
    if depth > MAX_DEPTH + 1 or not budget.spend():
        raise NotPlainData("deeper or bigger than allowed")
    kind = type(data)
    if kind in (type(None), bool, float):
        return data
    if kind is int:
        if abs(data) >= 10**MAX_INT_DIGITS:
            raise NotPlainData("an integer too long")
        return data
    if kind is str:
        if not budget.spend(0, len(data)):
            raise NotPlainData("too much text")
        return data
    if kind is not dict or set(data) - {"t", "v"} or "t" not in data:
        raise NotPlainData(f"unexpected {kind.__name__}")
    tag, inner = data["t"], data.get("v")
    from .checks import Decrit  # the trusted side's; the kernel only encodes

    if tag == "big":
        return Decrit("checks.too_big")
    if tag == "object" and type(inner) is str:
        return Decrit("checks.object", type=inner[:100])
    if tag == "float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "ref" and references is not None and type(inner) is list:
        return references(inner)
    if type(inner) is not list:
        raise NotPlainData(f"unexpected {tag!r}")
    if tag == "dict":
        pairs = []
        for pair in inner:
            if type(pair) is not list or len(pair) != 2:
                raise NotPlainData("a dict item is not a pair")
            pairs.append((_decode(pair[0], depth + 1, budget, references),
                          _decode(pair[1], depth + 1, budget, references)))
        return _built(dict, pairs)
    if tag in BUILDERS:
        return _built(BUILDERS[tag], [_decode(item, depth + 1, budget, references)
                                      for item in inner])
    raise NotPlainData(f"unknown tag {tag!r}")


def _built(builder, items):
    try:
        return builder(items)
    except TypeError:  # an unhashable key or member: a kernel that lies
        raise NotPlainData("unhashable items in a dict or a set") from None
