"""The one module that talks HTTP to Inyett Payment Control (contract: shared/spec/inyett-api.md).

Every call has a timeout, and every failure becomes an `InyettError` whose text is safe to
show and to log: the API key is never part of a message.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

CONNECTION_TEST_BATCH_ID = "inyettkopplingen-uppkopplingstest-finns-inte"


class InyettError(Exception):
    """A call to Inyett did not succeed; `str(exc)` is a Swedish reason a person can act on."""

    retryable = False


class KeyRefused(InyettError):
    def __init__(self):
        super().__init__("Inyett godtog inte API-nyckeln. Kontrollera nyckeln och spara igen.")


class AccessDenied(InyettError):
    def __init__(self, test_environment: bool):
        super().__init__(
            "API-nyckeln har inte tillgång till Inyetts testmiljö."
            if test_environment
            else "API-nyckeln saknar behörighet för det här anropet hos Inyett."
        )


class Unreachable(InyettError):
    retryable = True

    def __init__(self):
        super().__init__(
            "Inyett svarar inte. Kontrollera adressen till Inyett och serverns nätverk, "
            "eller försök igen senare."
        )


class TimedOut(InyettError):
    retryable = True

    def __init__(self, seconds: float):
        super().__init__(f"Inyett svarade inte inom tidsgränsen ({seconds:g} sekunder).")


class ServerError(InyettError):
    retryable = True

    def __init__(self, status: int):
        self.status = status
        super().__init__(f"Inyett har ett tillfälligt fel (HTTP {status}). Försök igen senare.")


class RateLimited(InyettError):
    retryable = True

    def __init__(self, retry_after: float | None):
        self.retry_after = retry_after
        super().__init__("Inyett tar inte emot fler anrop just nu. Försöket görs om.")


class BatchNotFound(InyettError):
    def __init__(self, batch_id: str):
        self.batch_id = batch_id
        super().__init__(f"Batchen {batch_id} finns inte hos Inyett.")


class RequestRejected(InyettError):
    """Inyett refused the request itself (a 4xx other than the ones above); retrying won't help."""

    def __init__(self, status: int, reason: str):
        self.status = status
        self.reason = reason
        super().__init__(f"Inyett avvisade anropet (HTTP {status}): {reason}")


class NotConfigured(InyettError):
    retryable = True

    def __init__(self, reason: str):
        super().__init__(reason)


class UnexpectedAnswer(InyettError):
    def __init__(self, detail: str):
        super().__init__(f"Inyett gav ett svar som inte gick att tolka ({detail}).")


@dataclass(frozen=True)
class InyettWarning:
    code: str
    name: str
    description: str
    category: str


@dataclass(frozen=True)
class BatchWarnings:
    batch_id: str
    analysed: bool
    # externalId of each transaction -> its warnings (empty list: checked, no warnings)
    transactions: dict[str, list[InyettWarning]] = field(default_factory=dict)


def new_http_session(pool_size: int) -> requests.Session:
    """A session whose connection pool has room for `pool_size` parallel requests."""
    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, HTTPAdapter(pool_connections=4, pool_maxsize=pool_size))
    return session


class InyettClient:
    """Calls Inyett's Payment Control API with one key, reusing one HTTP session."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        api_version: str = "3",
        auth_header: str = "Authorization",
        auth_scheme: str = "Bearer",
        timeout: float = 10.0,
        batch_exists_status: int = 409,
        test_environment: bool = False,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.timeout = timeout
        self.batch_exists_status = batch_exists_status
        self.test_environment = test_environment
        self.session = session or requests.Session()
        self._auth = {auth_header: f"{auth_scheme} {api_key}".strip()}

    def __repr__(self) -> str:
        return f"InyettClient({self.base_url!r})"

    def create_batch(self, country: str, batch: dict) -> bool:
        """Send a batch for analysis; True when created, False when Inyett already had it."""
        exists = self.batch_exists_status
        response = self._call("POST", self._batches_url(country), json=batch, accept=(exists,))
        return response.status_code != exists

    def delete_batch(self, country: str, batch_id: str) -> None:
        """Delete a batch at Inyett, so that it is left out of future analysis."""
        self._call("DELETE", self._batch_url(country, batch_id), batch_id=batch_id)

    def get_warnings(self, country: str, batch_id: str) -> BatchWarnings:
        """Return the batch's analysis: its status and each transaction's warnings."""
        response = self._call(
            "GET", self._batch_url(country, batch_id) + "/warnings", batch_id=batch_id
        )
        return parse_warnings(response, batch_id)

    def check_connection(self, country: str) -> None:
        """Make an authenticated call without side effects; raise InyettError if it fails.

        Inyett has no ping endpoint, so we ask for the warnings of a batch that cannot exist:
        404 means Inyett answered and accepted the key.
        """
        try:
            self.get_warnings(country, CONNECTION_TEST_BATCH_ID)
        except BatchNotFound:
            return
        raise UnexpectedAnswer("testbatchen borde inte finnas")

    def _batches_url(self, country: str) -> str:
        return f"{self.base_url}/{self.api_version}/{country}/payment-control/batches"

    def _batch_url(self, country: str, batch_id: str) -> str:
        return f"{self._batches_url(country)}/{quote(batch_id, safe='')}"

    def _call(
        self,
        method: str,
        url: str,
        *,
        json: dict | None = None,
        batch_id: str | None = None,
        accept: tuple[int, ...] = (),
    ) -> requests.Response:
        try:
            response = self.session.request(
                method, url, json=json, headers=self._auth, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise TimedOut(self.timeout) from exc
        except requests.RequestException as exc:
            raise Unreachable from exc
        status = response.status_code
        if status < 400 or status in accept:
            return response
        if status == 401:
            raise KeyRefused
        if status == 403:
            raise AccessDenied(self.test_environment)
        if status == 404 and batch_id is not None:
            raise BatchNotFound(batch_id)
        if status == 429:
            raise RateLimited(retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 500:
            raise ServerError(status)
        raise RequestRejected(status, _reason(response))


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if given."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "okänt fel"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:200]
    return response.reason or "okänt fel"


def parse_warnings(response: requests.Response, batch_id: str) -> BatchWarnings:
    """Parse the warnings answer; the shape is our agreement with the simulator (see the spec)."""
    try:
        body = response.json()
        analysed = body["status"] == "Analysed"
        transactions = {
            str(transaction["externalId"]): [
                InyettWarning(
                    code=str(warning["code"]),
                    name=str(warning.get("name") or warning["code"]),
                    description=str(warning.get("description") or ""),
                    category=str(warning.get("category") or ""),
                )
                for warning in transaction.get("warnings") or []
            ]
            for transaction in body.get("transactions") or []
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnexpectedAnswer("varningarna saknar väntat format") from exc
    return BatchWarnings(batch_id=batch_id, analysed=analysed, transactions=transactions)
