"""Tests of the Django adapter (wsgicors_django); the test project lives here too."""
