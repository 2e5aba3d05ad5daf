"""Helpers shared by several test folders: servers, browsers, doc examples, figures.

What only one folder needs stays next to its tests (``tests/core/support.py``,
``tests/flask/support.py``, ``tests/asgi/support.py``, ``tests/proxy/support.py``).
"""
