"""A multi-tenant Django app: each tenant (a host) lists the origins allowed to call it.

docs/production.rst shows these files; tests/sources/test_django.py runs them.
"""
