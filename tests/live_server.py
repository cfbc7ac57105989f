"""Serving WSGI apps on loopback for end-to-end and browser tests."""

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.conftest import make_app


@contextmanager
def serve(app):
    """Serve `app` on 127.0.0.1 on a free port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def live_app(tmp_path, simulator_url: str, **config):
    """The app over real HTTP, talking to the simulator at `simulator_url`, worker running."""
    app = make_app(
        tmp_path,
        API_URL=simulator_url,
        TEST_API_URL=f"{simulator_url}/test",
        OUTBOX_WORKER=True,
        **config,
    )
    try:
        with serve(app) as url:
            yield app, url
    finally:
        app.extensions["inyett_outbox_worker"].stop()
