"""Sphinx configuration for the wsgicors documentation."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import wsgicors

project = "wsgicors"
author = "The wsgicors developers"
copyright = "2026, The wsgicors developers"
release = wsgicors.__version__  # one place for the version: wsgicors/__init__.py

extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
nitpicky = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
suppress_warnings = ["ref.python"]
