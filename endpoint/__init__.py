"""The SPARQL endpoint: a Flask app over the `graph` library (endpoint/app.py builds it).

`create_app` and `Settings` are imported on first use: the query processes
(`python -m endpoint.query_worker`) import this package too, and need no Flask.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name in ("create_app", "Settings"):
        from endpoint import app

        return getattr(app, name)
    raise AttributeError(f"module 'endpoint' has no attribute {name!r}")
