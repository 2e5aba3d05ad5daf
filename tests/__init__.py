"""The wsgicors test suite: one package, so every helper is imported as ``tests.<folder>.<module>``.

The folders ``tests/flask`` and ``tests/django`` would shadow the frameworks if they
were top-level packages; inside ``tests`` they cannot. Nothing may put ``tests/``
itself on ``sys.path`` (subprocess servers get the repository root instead).
"""
