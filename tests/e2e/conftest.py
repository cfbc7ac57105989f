import pytest
import requests

from inyett import simulator
from tests.conftest import CSRF_PATTERN
from tests.conftest import PASSWORD
from tests.live_server import live_app
from tests.live_server import serve

SIMULATOR_KEY = "e2e-nyckel-123456"


@pytest.fixture
def simulator_url():
    app = simulator.create_app(
        {"INYETT_SIMULATOR_API_KEY": SIMULATOR_KEY, "INYETT_SIMULATOR_ANALYSIS_SECONDS": "0.5"}
    )
    with serve(app) as url:
        yield url


@pytest.fixture
def live(tmp_path, simulator_url):
    with live_app(tmp_path, simulator_url) as (app, url):
        yield app, url


class Browserless:
    """A requests session that behaves like a logged-in browser: cookies and CSRF tokens."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def token(self, path: str) -> str:
        match = CSRF_PATTERN.search(self.session.get(self.base_url + path, timeout=10).text)
        return match.group(1) or match.group(2)

    def login(self, username: str) -> None:
        self.post("/logga-in", {"username": username, "password": PASSWORD}, token_from="/logga-in")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=10, **kwargs)

    def post(self, path: str, data: dict, token_from: str, **kwargs) -> requests.Response:
        data = {**data, "csrf_token": self.token(token_from)}
        return self.session.post(self.base_url + path, data=data, timeout=10, **kwargs)

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def browserless(live):
    client = Browserless(live[1])
    yield client
    client.close()
