"""Tests of the development proxy (``wsgicors proxy``, wsgicors.proxy.make_app)."""
