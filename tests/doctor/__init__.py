"""Tests of the CORS doctor (``wsgicors check`` / ``wsgicors explain``)."""
