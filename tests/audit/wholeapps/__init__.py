"""Whole applications with per-route CORS policies, some wrong, for ``wsgicors audit --app``.

Each mixes wsgicors with a peer (flask-cors, django-cors-headers, Starlette's
middleware) the way a team migrating route by route has them; :data:`MISCONFIGURED`
in each module names exactly the routes the audit must report, and why.
"""
