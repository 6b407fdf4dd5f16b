"""What the learner's kernel runs when the trusted test process asks it something.

The trusted side (graders/trusted.py) never runs a test in the learner's kernel: it sends one
line, ``answer(globals(), request)``, and reads back a single display output of type ``MIME``
holding plain data (graders/plaindata.py). Requests:

- ``{"op": "views", "names": [...]}``: what each name of the learner's namespace is: plain data
  (its value), something to call, another object (its type's name only), or missing;
- ``{"op": "view", "path": ["panier", "total"]}``: the same for an attribute;
- ``{"op": "call", "path": ["saluer"], "args": ..., "kwargs": ...}``: call it, and answer what
  it returned (plain data), what it printed meanwhile, or the exception's type name and text.

This code runs among the learner's code, which may have replaced any of it: the trusted side
relies on none of it and only ever decodes plain data from what comes back.
"""

from __future__ import annotations

import contextlib
import io
import json

from graders import plaindata

MIME = "application/vnd.decoder.answer+json"
MAX_PRINTED = 20_000  # characters of what a call printed, kept at the end
MAX_TEXT = 2_000  # characters of an exception's text


def answer(namespace: dict, request_json: str) -> None:
    from IPython.display import publish_display_data

    publish_display_data({MIME: json.dumps(handle(namespace, json.loads(request_json)))})


def handle(namespace: dict, request: dict) -> dict:
    if request["op"] == "views":
        return {"views": {name: view(namespace, [name]) for name in request["names"]}}
    if request["op"] == "view":
        return {"view": view(namespace, request["path"])}
    if request["op"] == "call":
        return call(namespace, request["path"], request["args"], request["kwargs"])
    raise ValueError(f"unknown request {request['op']!r}")


class Missing(Exception):
    pass


def resolve(namespace: dict, path: list[str]):
    if path[0] not in namespace:
        raise Missing(path[0])
    value = namespace[path[0]]
    for attribute in path[1:]:
        value = getattr(value, attribute)
    return value


def view(namespace: dict, path: list[str]) -> dict:
    try:
        value = resolve(namespace, path)
    except Missing:
        return {"kind": "missing"}
    except Exception as error:  # noqa: BLE001 - an attribute that raises is an answer too
        return {"kind": "raised", **raised(error)}
    encoded = plaindata.encode(value)
    if type(value) in plaindata.SCALARS or type(value) in plaindata.CONTAINERS:
        return {"kind": "data", "value": encoded}
    if callable(value):
        return {"kind": "callable", "type": type(value).__name__}
    return {"kind": "object", "type": type(value).__name__}


def call(namespace: dict, path: list[str], args: str, kwargs: str) -> dict:
    printed = io.StringIO()
    try:
        function = resolve(namespace, path)
    except Missing as missing:
        return {"missing": str(missing)}
    except Exception as error:  # noqa: BLE001
        return {"raised": raised(error), "printed": ""}

    def reference(reference_path):
        return resolve(namespace, reference_path)

    try:
        with contextlib.redirect_stdout(printed):
            result = function(*plaindata.decode(args, reference),
                              **plaindata.decode(kwargs, reference))
    except (Exception, SystemExit) as error:  # KeyboardInterrupt is the time limit: it goes on
        return {"raised": raised(error), "printed": printed.getvalue()[-MAX_PRINTED:]}
    return {"returned": plaindata.encode(result),
            "printed": printed.getvalue()[-MAX_PRINTED:]}


def raised(error: BaseException) -> dict:
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a learner's __str__ that fails
        text = ""
    return {"type": type(error).__name__[:100], "text": text[:MAX_TEXT]}
