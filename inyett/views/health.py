"""GET /halsa: the health check for monitoring, open without login (see services.health)."""

from flask import Blueprint
from flask import jsonify

from inyett.services import health

bp = Blueprint("health", __name__)


@bp.get("/halsa")
def status():
    """The installation's health as JSON: 200 when all is well, 503 when a person is needed."""
    healthy, report = health.check()
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
