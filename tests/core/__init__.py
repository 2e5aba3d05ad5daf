"""Tests of the WSGI middleware and engine (wsgicors)."""
