"""WSGI entry point: `flask --app app ...`, `waitress-serve --call app:create_app`."""

from inyett import create_app

app = create_app()
