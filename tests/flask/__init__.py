"""Tests of the Flask adapter (wsgicors_flask)."""
