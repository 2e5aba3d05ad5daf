"""The routes of an OpenAPI 3 document, each with a path a live server can be probed at.

Every entry of ``paths`` becomes one :class:`~wsgicors.audit.routes.Route` with the
methods it documents; each ``{parameter}`` of the template is filled with a sample
of the type its schema gives (``integer``: ``1`` or its ``minimum``, ``uuid``, an
``enum``'s first value...), looked up in the operation's parameters, the path item's,
and local ``$ref`` s to ``#/components/parameters``. The document is JSON; it is read
whole but bounded in size.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from ..toolbase.errors import ToolError
from .routes import SAMPLE_UUID, Route

#: Largest OpenAPI document read.
MAX_DOCUMENT = 16 * 1024 * 1024
#: The operations of a path item (OpenAPI 3), in the order they are listed.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_STRING_SAMPLES = {"uuid": SAMPLE_UUID, "date": "2024-01-01",
                   "date-time": "2024-01-01T00:00:00Z", "email": "user@example.com"}


def load_openapi(path: str) -> Mapping[str, Any]:
    """The OpenAPI 3 document in the JSON file *path*; ToolError if it is not one."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_DOCUMENT + 1)
    except OSError as exc:
        raise ToolError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_DOCUMENT:
        raise ToolError(f"{path} is larger than {MAX_DOCUMENT // (1024 * 1024)} MiB")
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ToolError(f"{path} is not JSON ({exc}); convert a YAML document first, "
                        "e.g. python -c 'import json,sys,yaml; "
                        "json.dump(yaml.safe_load(sys.stdin), sys.stdout)'") from exc
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3"):
        raise ToolError(f"{path} is not an OpenAPI 3 document (no 'openapi': '3...' field)")
    if not isinstance(document.get("paths"), dict):
        raise ToolError(f"{path} has no 'paths' object")
    return document


def openapi_routes(document: Mapping[str, Any]) -> list[Route]:
    """One route per entry of the document's ``paths``, in the document's order."""
    return list(_routes(document))


def _routes(document: Mapping[str, Any]) -> Iterator[Route]:
    for template, item in document["paths"].items():
        if not isinstance(template, str) or not template.startswith("/") or \
                not isinstance(item, dict):
            continue
        operations = {m: op for m in METHODS if isinstance(op := item.get(m), dict)}
        shared = _parameters(document, item.get("parameters"))
        samples = {}
        for operation in operations.values():
            samples.update({k: v for k, v in _parameters(
                document, operation.get("parameters")).items() if k not in samples})
        for name, value in shared.items():
            samples.setdefault(name, value)
        yield Route(template, _filled(template, samples),
                    tuple(m.upper() for m in operations))


def _filled(template: str, samples: Mapping[str, str]) -> str:
    """*template* with each ``{name}`` replaced by its sample, percent-encoded."""
    return _TEMPLATE.sub(lambda m: urllib.parse.quote(samples.get(m.group(1), "sample"),
                                                      safe=""), template)


def _parameters(document: Mapping[str, Any], listed: Any) -> dict[str, str]:
    """Sample values of the path parameters in *listed*, by name."""
    found = {}
    for entry in listed if isinstance(listed, list) else ():
        parameter = _resolved(document, entry)
        if parameter.get("in") == "path" and isinstance(parameter.get("name"), str):
            found[parameter["name"]] = _sample(_resolved(document, parameter.get("schema")))
    return found


def _resolved(document: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """*value*, or what its local ``$ref`` (``#/components/...``) points to ({} if none)."""
    for _depth in range(8):
        if not isinstance(value, dict):
            return {}
        reference = value.get("$ref")
        if not isinstance(reference, str):
            return value
        if not reference.startswith("#/"):
            return {}
        value = document
        for key in reference[2:].split("/"):
            key = key.replace("~1", "/").replace("~0", "~")
            value = value.get(key) if isinstance(value, dict) else None
    return {}


def _sample(schema: dict[str, Any]) -> str:
    """A value of *schema*'s type, as it appears in a path."""
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return str(enum[0]).lower() if isinstance(enum[0], bool) else str(enum[0])
    kind = schema.get("type")
    if kind in ("integer", "number"):
        low = schema.get("minimum")
        if isinstance(low, (int, float)) and not isinstance(low, bool) and \
                math.isfinite(low) and abs(low) < 1e15:
            return str(max(1, int(low)))
        return "1"
    if kind == "boolean":
        return "true"
    return _STRING_SAMPLES.get(str(schema.get("format")), "sample")
