"""The user's objects, named on the command line: ``module:attr`` or ``file.py:attr``.

Module names are resolved with :func:`pkgutil.resolve_name` (``package.module:attr``,
``package.module:attr.sub``, or ``package.module.attr`` without a colon); a path to a
Python file (``path/to/file.py:attr``) is run as a module of its own. The current
directory is importable, as it is for ``python -m``: a project's modules are found
when the command runs from the project's root.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
import types
from typing import Any

from .errors import ToolError

#: The name under which a ``file.py`` is imported.
FILE_MODULE = "_wsgicors_config"


def load_object(spec: str) -> Any:
    """The object *spec* names (a module when it names no attribute).

    :raises ToolError: when the module cannot be imported or has no such attribute.
    """
    module_name, colon, attr = spec.partition(":")
    if not module_name:
        raise ToolError(f"expected MODULE:ATTR or path/to/file.py:ATTR, got {spec!r}")
    if module_name.endswith(".py"):
        return _attribute(import_file(module_name), module_name, attr)
    _importable_here()
    try:
        return pkgutil.resolve_name(spec)
    except ValueError:
        raise ToolError(f"expected MODULE:ATTR, got {spec!r}") from None
    except Exception as exc:
        if colon and module_name in sys.modules:  # the import worked: the attribute is not
            raise ToolError(f"{module_name} has no attribute {attr!r}") from None
        raise ToolError(_cannot_import(module_name, exc)) from exc


def import_module(name: str) -> types.ModuleType:
    """Import module *name* (a dotted name); ToolError with the reason when it fails."""
    _importable_here()
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise ToolError(_cannot_import(name, exc)) from exc


def import_file(path: str) -> types.ModuleType:
    """Run the Python file at *path* as a module; ToolError when it fails."""
    if not os.path.isfile(path):
        raise ToolError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(FILE_MODULE, path)
    if spec is None or spec.loader is None:
        raise ToolError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ToolError(_cannot_import(path, exc)) from exc
    return module


def _attribute(module: types.ModuleType, where: str, attr: str) -> Any:
    obj: Any = module
    for part in attr.split(".") if attr else ():
        if not hasattr(obj, part):
            raise ToolError(f"{where} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def _importable_here() -> None:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


def _cannot_import(name: str, exc: BaseException) -> str:
    return f"cannot import {name}: {type(exc).__name__}: {exc}"
