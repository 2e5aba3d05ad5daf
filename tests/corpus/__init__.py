"""Issue 21's corpus: CORS configurations shaped like the ones public projects ship.

``records.py`` holds the types and the allow-lists, ``django_configs.py``,
``flask_configs.py`` and ``fastapi_configs.py`` the configurations, ``oracle.py``
decides insecure/broken/safe from the responses of a running app, ``peers.py`` runs
each configuration under the peer its users come from (django-cors-headers,
flask-cors, Starlette), ``loader.py`` under wsgicors's adapter for that framework,
``hints.py`` applies the fixes a refusal suggests. ``python -m tests.corpus.report``
prints the table of issue 21.
"""
