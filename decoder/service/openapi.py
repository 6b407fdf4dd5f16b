"""The course service's API described as OpenAPI 3.0, made from the contract itself
(``protocol.ROUTES`` and ``PARAMETERS``) and the handlers' methods, so it cannot drift from what
the service serves. Served at ``api/openapi.json``; the API's fuzzing test reads it
(tests/test_fuzz_api.py)."""

from __future__ import annotations

import re

from tornado import web

from .. import protocol

METHODS = ("get", "post", "put", "patch", "delete")
QUERY = {  # the query arguments each route reads
    "my_submissions": {"assignment": protocol.PARAMETERS["assignment"]},
    "export": {"week": r"\d{0,3}", "run": r"[a-z0-9-]{0,64}", "format": r"(csv|tableur)?"},
}
FILES = {"type": "object", "required": ["files"], "properties": {"files": {
    "type": "object", "additionalProperties": {"type": "string", "format": "byte"}}}}
BODIES = {"submit": FILES, "regrade": {"type": "object"}, "release_hidden": {"type": "object"},
          "self_check": {"type": "object", "required": ["tries", "right"], "properties": {
              "tries": {"type": "integer", "minimum": 1, "maximum": 2},
              "right": {"type": "boolean"}}},
          "hints": {"type": "object", "required": ["opened"], "properties": {
              "opened": {"type": "integer", "minimum": 1, "maximum": 4}}}}


def methods_of(handler: type[web.RequestHandler]) -> list[str]:
    return [method for method in METHODS
            if getattr(handler, method) is not getattr(web.RequestHandler, method)]


def operation(name: str, method: str, path_parameters: list[str]) -> dict:
    parameters = [{"name": parameter, "in": "path", "required": True,
                   "schema": {"type": "string", "pattern": f"^{protocol.PARAMETERS[parameter]}$"}}
                  for parameter in path_parameters]
    parameters += [{"name": argument, "in": "query", "required": False,
                    "schema": {"type": "string", "pattern": f"^{pattern}$"}}
                   for argument, pattern in QUERY.get(name, {}).items()]
    described = {"operationId": f"{name}_{method}", "parameters": parameters,
                 "responses": {"default": {
                     "description": "JSON; on refusal {\"message\": text in the platform's "
                                    "language}"}}}
    if method in ("post", "put", "patch"):
        described["requestBody"] = {"required": False, "content": {
            "application/json": {"schema": BODIES.get(name, {"type": "object"})}}}
    return described


def description(handlers: dict[str, type[web.RequestHandler]], prefix: str) -> dict:
    """OpenAPI 3.0 for the routes of ``protocol.ROUTES`` under ``prefix`` (pure)."""
    paths = {}
    for name, template in protocol.ROUTES.items():
        path = prefix.rstrip("/") + "/" + protocol.API + template
        parameters = re.findall(r"\{(\w+)\}", template)
        paths[path] = {method: operation(name, method, parameters)
                       for method in methods_of(handlers[name])}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Décoder le code: course service", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"hubToken": {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "token <a JupyterHub token with access:services!service=course>"}}},
        "security": [{"hubToken": []}],
    }
