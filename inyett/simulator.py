"""A stand-in for Inyett Payment Control, for the demo and the end-to-end tests.

Run alone: `INYETT_SIMULATOR_API_KEY=... flask --app inyett.simulator run --port 5001`.
It speaks the contract of shared/spec/inyett-api.md: production under `/3/<country>/...`
(and `/2/...`), Inyett's test environment under `/test/3/<country>/...`, each with its own key
and its own batches. Inspection for tests: `GET /_simulator/batches`, `POST /_simulator/reset`.

Faults, for soak tests and for trying the queue by hand: set at start with the
INYETT_SIMULATOR_* variables of `FAULT_SETTINGS`, or at run time with
`POST /_simulator/faults` and a JSON object of `Faults` fields (`outage_seconds` starts an outage
of that length now). Each API call draws at most one fault: an answer of 500, 429 with
Retry-After, a dropped connection (a cut-off answer), or an answer slower than the client waits.
A 500, a drop or a timeout comes before the call takes effect or after it, half of each, because
a client cannot tell the two apart and must be right in both cases.

Warnings are deterministic, so that the demo can show each kind. Per transaction, compared with
the other not-deleted batches of the same environment and debtor account:

| code | raised when |
| --- | --- |
| DuplicatePaymentSameDay | same creditor account, reference (OCR/invoice no.), amount and day |
| DuplicatePaymentDifferentDays | the same, another day |
| DuplicatePaymentReminder | same account and reference, amount up to 10 % above an earlier one |
| InvalidPaymentNumber | OCR fails Luhn (SE), or KID fails MOD10 and MOD11 (NO) |
| LimitAmount | amount above INYETT_SIMULATOR_AMOUNT_LIMIT (default 100000.00) |
| LimitCurrency | currency other than SEK, NOK, EUR |
| LimitPrivateBankAccount | BBAN without creditorOrgNr, or with a personnummer-shaped one |
| GiroInactive | BGNR/PGNR in DEREGISTERED_GIROS (bankgiro 9999-9997, plusgiro 99 99 99-6) |
| SwedishCompanyWarningList | creditorOrgNr in WARNING_LIST_SE (559999-9991) |
| NorwegianCompanyWarningList | creditorOrgNr in WARNING_LIST_NO (999 999 980) |
| DeviatingAccountPattern | creditorOrgNr paid earlier, or in KNOWN_ACCOUNTS, to another account |
| DeviatingAmountPattern | an earlier one to the same account and currency is over 10 times off |
| DeviatingCurrencyPattern | an earlier payment to the same account was in another currency |
| LimitCash | creditorAccountType CASH |

The Deviating* rules compare only with batches created no later than the transaction's own, so
that the first payment to a payee sets its pattern and the one that breaks it gets the warning.

Batch ids, as Inyett's are (for all we know), are per key and environment, not per installation:
| call | answer |
| --- | --- |
| create with an id the environment has had, deleted or not | 409, whoever sent the first |
| warnings within INYETT_SIMULATOR_ANALYSIS_SECONDS of the create | Pending, no transactions |
| warnings of an analysed batch | Analysed, every transaction of the batch as it was first sent |
| warnings or delete of a deleted or unknown batch | 404 |
So a client that sends an id another installation used first learns it only from the analysed
answer, which holds the other installation's transactions and not its own.
"""

import os
import random
import re
import threading
import time
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import UTC
from datetime import datetime
from decimal import Decimal

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from stdnum import luhn

DEREGISTERED_GIROS = {"99999997", "9999996"}
WARNING_LIST_SE = {"5599999991"}
WARNING_LIST_NO = {"999999980"}
# creditorOrgNr -> the account Inyett has seen other customers pay it to: the pattern a payee's
# first payment from this debtor is compared with (Gamla Giro AB of the demo).
KNOWN_ACCOUNTS = {"5561122333": "53501045"}
ACCOUNT_TYPES = {"BGNR", "PGNR", "BBAN", "IBAN", "CASH"}
AMOUNT_FORMAT = re.compile(r"^\d{1,12}\.\d{2}$")

WARNINGS = {
    "DeviatingAccountPattern": (
        "Deviating account pattern",
        "The account differs from the usual one for this payee.",
        "Transaction",
    ),
    "DeviatingAmountPattern": (
        "Deviating amount pattern",
        "The amount differs from the usual pattern for this payee.",
        "Transaction",
    ),
    "DeviatingCurrencyPattern": (
        "Deviating currency pattern",
        "The currency differs from the usual one for this payee.",
        "Transaction",
    ),
    "DuplicatePaymentSameDay": (
        "Duplicate (Same day)",
        "A similar payment to the same payee, reference and amount the same day.",
        "Transaction",
    ),
    "DuplicatePaymentDifferentDays": (
        "Duplicate (Different days)",
        "A similar payment was made on another day.",
        "Transaction",
    ),
    "DuplicatePaymentReminder": (
        "Duplicate (Reminder)",
        "Same reference with a slightly higher amount: possibly a reminder for a paid invoice.",
        "Transaction",
    ),
    "InvalidPaymentNumber": ("Invalid payment number", "OCR-nr which is not valid.", "Transaction"),
    "LimitAmount": ("Limit amount", "The amount is above the set limit.", "Transaction"),
    "LimitCurrency": ("Limit currency", "The currency is not allowed.", "Transaction"),
    "LimitCash": ("Limit cash", "No payee account: paid as a cash notice (AVI).", "Transaction"),
    "LimitPrivateBankAccount": (
        "Private bank account",
        "Paid to a plain bank account, which may be a private one.",
        "Transaction",
    ),
    "GiroInactive": (
        "Giro inactive",
        "The bankgiro/plusgiro number is deregistered.",
        "Transaction",
    ),
    "SwedishCompanyWarningList": (
        "Swedish company warning list",
        "The payee is on a public warning list.",
        "Payee",
    ),
    "NorwegianCompanyWarningList": (
        "Norwegian company warning list",
        "The payee is on a public warning list.",
        "Payee",
    ),
}


@dataclass
class Batch:
    external_id: str
    country: str
    debtor_account: str
    transactions: list[dict]
    created: float
    created_at: str
    deleted: bool = False


@dataclass
class Environment:
    api_key: str
    batches: dict[str, Batch] = field(default_factory=dict)
    # batch id -> how many create calls reached the simulator for it, 409s included
    create_calls: dict[str, int] = field(default_factory=dict)


@dataclass
class Faults:
    """How badly the simulator behaves; rates are shares of API calls, from 0 to 1."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_seconds: int = 1
    drop_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 15.0
    outage_seconds: float = 0.0
    seed: int = 0

    def draw(self, rng: random.Random) -> str | None:
        """The fault for one call, if any: "error", "rate_limit", "drop" or "timeout"."""
        roll = rng.random()
        for kind, rate in (
            ("error", self.error_rate),
            ("rate_limit", self.rate_limit_rate),
            ("drop", self.drop_rate),
            ("timeout", self.timeout_rate),
        ):
            if roll < rate:
                return kind
            roll -= rate
        return None


class Chaos:
    """The faults in force, drawn from their own seeded random numbers so a run can be repeated."""

    def __init__(self, faults: Faults):
        self.set(faults)

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)  # noqa: S311 - reproducible, not secret
        self.outage_until = time.monotonic() + faults.outage_seconds


# Faults field -> the environment variable that sets it at start.
FAULT_SETTINGS = {
    "latency_ms": "INYETT_SIMULATOR_LATENCY_MS",
    "error_rate": "INYETT_SIMULATOR_ERROR_RATE",
    "rate_limit_rate": "INYETT_SIMULATOR_RATE_LIMIT_RATE",
    "retry_after_seconds": "INYETT_SIMULATOR_RETRY_AFTER_SECONDS",
    "drop_rate": "INYETT_SIMULATOR_DROP_RATE",
    "timeout_rate": "INYETT_SIMULATOR_TIMEOUT_RATE",
    "timeout_seconds": "INYETT_SIMULATOR_TIMEOUT_SECONDS",
    "seed": "INYETT_SIMULATOR_SEED",
}


def parse_faults(values: dict) -> Faults:
    """Faults from a mapping of field names to numbers; ValueError names a bad field."""
    unknown = set(values) - {f.name for f in fields(Faults)}
    if unknown:
        raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
    parsed = {}
    for spec in fields(Faults):
        if spec.name not in values:
            continue
        value = values[spec.name]
        try:
            number = None if isinstance(value, bool) else spec.type(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not 0 <= number < 10**6:
            raise ValueError(f"{spec.name} must be a number from 0 up")
        if spec.name.endswith("_rate") and number > 1:
            raise ValueError(f"{spec.name} must be a share from 0 to 1")
        parsed[spec.name] = number
    return Faults(**parsed)


class Simulator:
    """What one simulator app holds: the environments and their batches, the rules' settings,
    and the faults in force; one lock for all of it, as the server answers on many threads."""

    def __init__(self, settings: dict):
        self.lock = threading.Lock()
        self.environments = {
            "production": Environment(settings["INYETT_SIMULATOR_API_KEY"]),
            "test": Environment(settings["INYETT_SIMULATOR_TEST_API_KEY"]),
        }
        self.analysis_seconds = float(settings["INYETT_SIMULATOR_ANALYSIS_SECONDS"])
        self.amount_limit = Decimal(str(settings["INYETT_SIMULATOR_AMOUNT_LIMIT"]))
        self.configured_faults = parse_faults(
            {name: settings[key] for name, key in FAULT_SETTINGS.items() if key in settings}
        )
        self.chaos = Chaos(self.configured_faults)


DEFAULT_SETTINGS = {
    "INYETT_SIMULATOR_API_KEY": "demo-nyckel-inyett",
    "INYETT_SIMULATOR_TEST_API_KEY": "demo-nyckel-inyett-test",
    "INYETT_SIMULATOR_ANALYSIS_SECONDS": "2.0",
    "INYETT_SIMULATOR_AMOUNT_LIMIT": "100000.00",
}

api = Blueprint("inyett_api", __name__)
control = Blueprint("simulator_control", __name__, url_prefix="/_simulator")


def create_app(config: dict | None = None) -> Flask:
    """The simulator app; `config` overrides the INYETT_SIMULATOR_* environment variables."""
    settings = dict(DEFAULT_SETTINGS)
    known = {*settings, *FAULT_SETTINGS.values()}
    settings.update({key: os.environ[key] for key in known if key in os.environ})
    settings.update(config or {})
    app = Flask(__name__)
    app.extensions["inyett_simulator"] = Simulator(settings)
    # On the app, not the blueprint: a call to an unknown address meets the faults too.
    app.before_request(_simulate_faults)
    app.after_request(_fault_after_effect)
    app.register_blueprint(api)
    app.register_blueprint(control)
    return app


def _state() -> Simulator:
    return current_app.extensions["inyett_simulator"]


def _error(status: int, message: str):
    return jsonify({"code": status, "message": message}), status


def _environment_for(name: str, country: str):
    """The environment, or an error answer for an unknown one, a bad key or country."""
    environments = _state().environments
    if name not in environments:
        return None, _error(404, "Not found")
    env = environments[name]
    key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if key != env.api_key:
        if name == "test" and key == environments["production"].api_key:
            return None, _error(403, "Key has no access to the test environment")
        return None, _error(401, "Invalid or missing API key")
    if country not in ("SE", "NO"):
        return None, _error(404, "Unknown profile country")
    return env, None


def _simulate_faults():
    if request.path.startswith("/_simulator"):
        return None
    state = _state()
    with state.lock:
        faults, outage_until = state.chaos.faults, state.chaos.outage_until
        fault = faults.draw(state.chaos.rng)
        after_effect = state.chaos.rng.random() < 0.5
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if time.monotonic() < outage_until:
        return _error(503, "Service unavailable")
    if fault == "rate_limit":
        answer = _error(429, "Too many requests")
        return answer[0], 429, {"Retry-After": str(faults.retry_after_seconds)}
    if fault is None:
        return None
    if after_effect:
        g.fault_after_effect = fault
        return None
    return _faulty_answer(fault, faults, _error(504, "Gateway timeout"))


def _fault_after_effect(response):
    fault = g.pop("fault_after_effect", None)
    return response if fault is None else _faulty_answer(fault, _state().chaos.faults, response)


def _faulty_answer(fault: str, faults: Faults, late_answer) -> Response:
    if fault == "error":
        return current_app.make_response(_error(500, "Internal server error"))
    if fault == "drop":
        # Headers promise more than is sent, and the connection closes: the client sees a
        # connection broken mid-answer, on werkzeug's server and on waitress alike.
        cut = Response(b'{"co', status=200, mimetype="application/json")
        cut.headers["Content-Length"] = "1000"
        cut.headers["Connection"] = "close"
        return cut
    time.sleep(faults.timeout_seconds)
    return current_app.make_response(late_answer)


BATCHES = "/<int:version>/<country>/payment-control/batches"
PRODUCTION = {"env_name": "production"}


@api.post(f"/<env_name>{BATCHES}")
@api.post(BATCHES, defaults=PRODUCTION)
def create_batch(env_name: str, version: int, country: str):
    """Store a batch for analysis; 409 if the id exists, 400 if a field is wrong."""
    if version not in (2, 3):
        return _error(404, "Not found")
    env, failure = _environment_for(env_name, country)
    if failure:
        return failure
    body = request.get_json(silent=True)
    problem = _validate_batch(body)
    if problem:
        return _error(400, problem)
    batch_id = str(body.get("externalId") or f"sim-{time.time_ns()}")
    with _state().lock:
        env.create_calls[batch_id] = env.create_calls.get(batch_id, 0) + 1
        if batch_id in env.batches:
            return _error(409, "Batch already exists")
        env.batches[batch_id] = Batch(
            external_id=batch_id,
            country=country,
            debtor_account=str(body["debtorAccount"]),
            transactions=list(body["transactions"]),
            created=time.monotonic(),
            created_at=datetime.now(UTC).isoformat(),
        )
    return jsonify({"code": 200, "externalBatchId": batch_id})


@api.delete(f"/<env_name>{BATCHES}/<batch_id>")
@api.delete(f"{BATCHES}/<batch_id>", defaults=PRODUCTION)
def delete_batch(env_name: str, version: int, country: str, batch_id: str):
    """Hide a batch from future analysis."""
    env, failure = _environment_for(env_name, country)
    if failure:
        return failure
    with _state().lock:
        batch = env.batches.get(batch_id)
        if batch is None or batch.deleted:
            return _error(404, "Batch not found")
        batch.deleted = True
    return jsonify({"code": 200})


@api.get(f"/<env_name>{BATCHES}/<batch_id>/warnings")
@api.get(f"{BATCHES}/<batch_id>/warnings", defaults=PRODUCTION)
def batch_warnings(env_name: str, version: int, country: str, batch_id: str):
    """The analysis of a batch: Pending at first, then each transaction's warnings."""
    env, failure = _environment_for(env_name, country)
    if failure:
        return failure
    state = _state()
    with state.lock:
        batch = env.batches.get(batch_id)
        if batch is None or batch.deleted:
            return _error(404, "Batch not found")
        if time.monotonic() - batch.created < state.analysis_seconds:
            return jsonify({"externalBatchId": batch_id, "status": "Pending", "transactions": []})
        history = _history(batch, [b for b in env.batches.values() if not b.deleted])
        transactions = [
            {
                "externalId": t.get("externalId"),
                "warnings": [
                    _warning(code, state.amount_limit)
                    for code in _warnings_for(t, batch, history, state.amount_limit)
                ],
            }
            for t in batch.transactions
        ]
    return jsonify(
        {"externalBatchId": batch_id, "status": "Analysed", "transactions": transactions}
    )


def _warning(code: str, amount_limit: Decimal) -> dict:
    name, _, category = WARNINGS[code]
    return {
        "code": code,
        "name": name,
        "description": _description(code, amount_limit),
        "category": category,
    }


@control.get("/batches")
def inspect_batches():
    """What the simulator holds, per environment (no key needed: tests and demo only)."""
    state = _state()
    with state.lock:
        return jsonify(
            {
                name: [_inspected(batch, env) for batch in env.batches.values()]
                for name, env in state.environments.items()
            }
        )


def _inspected(batch: Batch, env: Environment) -> dict:
    return {
        "externalId": batch.external_id,
        "country": batch.country,
        "deleted": batch.deleted,
        "createdAt": batch.created_at,
        "createCalls": env.create_calls.get(batch.external_id, 0),
        "transactions": [t.get("externalId") for t in batch.transactions],
        # What each transaction pays, so that a test can tell whose it is when two
        # installations used the same ids.
        "amounts": [t.get("amount") for t in batch.transactions],
        "invoiceNrs": [t.get("invoiceNr") for t in batch.transactions],
    }


@control.post("/reset")
def reset():
    """Forget every batch, and go back to the faults set at start."""
    state = _state()
    with state.lock:
        for env in state.environments.values():
            env.batches.clear()
            env.create_calls.clear()
        state.chaos.set(state.configured_faults)
    return jsonify({"code": 200})


@control.get("/faults")
def current_faults():
    """The faults in force, and the seconds left of an outage."""
    chaos = _state().chaos
    with _state().lock:
        left = max(0.0, chaos.outage_until - time.monotonic())
        return jsonify({**asdict(chaos.faults), "outage_seconds": round(left, 3)})


@control.post("/faults")
def set_faults():
    """Replace the faults; `outage_seconds` starts an outage of that length now."""
    try:
        faults = parse_faults(request.get_json(silent=True) or {})
    except ValueError as bad:
        return _error(400, str(bad))
    with _state().lock:
        _state().chaos.set(faults)
    return current_faults()


def _validate_batch(body) -> str | None:
    if not isinstance(body, dict):
        return "Body must be a JSON object"
    if not isinstance(body.get("debtorAccount"), str) or not body["debtorAccount"]:
        return "debtorAccount is required"
    transactions = body.get("transactions")
    if not isinstance(transactions, list) or not transactions:
        return "transactions must be a non-empty list"
    for index, t in enumerate(transactions):
        if not isinstance(t, dict):
            return f"transactions[{index}] must be an object"
        if not isinstance(t.get("amount"), str) or not AMOUNT_FORMAT.match(t["amount"]):
            return f"transactions[{index}].amount must be a decimal string like 18450.00"
        if not isinstance(t.get("currency"), str) or not re.fullmatch(r"[A-Z]{3}", t["currency"]):
            return f"transactions[{index}].currency must be 3 capital letters"
        if t.get("creditorAccountType") != "CASH" and not t.get("creditorAccount"):
            return f"transactions[{index}].creditorAccount is required"
    return None


def _reference(t: dict) -> str:
    return str(t.get("ocr") or t.get("invoiceNr") or "")


def _day(t: dict) -> str:
    return str(t.get("paymentdate") or "")[:10]


@dataclass
class _History:
    """The transactions of the batches for a debtor account, by creditor account and by
    creditorOrgNr, each with its batch's creation time: what the comparing rules look at.
    Indexed once per batch, as the soak tests analyse batches of hundreds against thousands
    within the client's timeout."""

    by_account: dict[str, list[tuple[dict, float]]] = field(default_factory=dict)
    by_orgnr: dict[str, list[tuple[dict, float]]] = field(default_factory=dict)


def _history(batch: Batch, batches: list[Batch]) -> _History:
    history = _History()
    for b in batches:
        if b.debtor_account != batch.debtor_account:
            continue
        for o in b.transactions:
            history.by_account.setdefault(o.get("creditorAccount"), []).append((o, b.created))
            if o.get("creditorOrgNr"):
                history.by_orgnr.setdefault(str(o["creditorOrgNr"]), []).append((o, b.created))
    return history


def _warnings_for(t: dict, batch: Batch, history: _History, amount_limit: Decimal) -> list[str]:
    codes = []
    amount = Decimal(t["amount"])
    account, currency = t.get("creditorAccount"), t.get("currency")
    to_account = [
        (o, created)
        for o, created in history.by_account.get(account, [])
        if o.get("externalId") != t.get("externalId")
    ]
    same_payee = [o for o, _ in to_account if _reference(o) == _reference(t) and _reference(t)]
    if any(Decimal(o["amount"]) == amount and _day(o) == _day(t) for o in same_payee):
        codes.append("DuplicatePaymentSameDay")
    if any(Decimal(o["amount"]) == amount and _day(o) != _day(t) for o in same_payee):
        codes.append("DuplicatePaymentDifferentDays")
    if any(
        Decimal(o["amount"]) < amount <= Decimal(o["amount"]) * Decimal("1.10") for o in same_payee
    ):
        codes.append("DuplicatePaymentReminder")
    ocr = t.get("ocr")
    if ocr and not _reference_is_valid(str(ocr), batch.country):
        codes.append("InvalidPaymentNumber")
    if amount > amount_limit:
        codes.append("LimitAmount")
    if currency not in ("SEK", "NOK", "EUR"):
        codes.append("LimitCurrency")
    orgnr = str(t.get("creditorOrgNr") or "")
    account_type = t.get("creditorAccountType")
    if account_type == "BBAN" and (not orgnr or (len(orgnr) == 10 and int(orgnr[2]) < 2)):
        codes.append("LimitPrivateBankAccount")
    if account_type in ("BGNR", "PGNR") and account in DEREGISTERED_GIROS:
        codes.append("GiroInactive")
    if orgnr in WARNING_LIST_SE:
        codes.append("SwedishCompanyWarningList")
    if orgnr in WARNING_LIST_NO:
        codes.append("NorwegianCompanyWarningList")
    if orgnr and (
        KNOWN_ACCOUNTS.get(orgnr, account) != account
        or any(
            o.get("creditorAccount") != account and created <= batch.created
            for o, created in history.by_orgnr.get(orgnr, [])
        )
    ):
        codes.append("DeviatingAccountPattern")
    before = [o for o, created in to_account if created <= batch.created]
    amounts = [Decimal(o["amount"]) for o in before if o.get("currency") == currency]
    if amounts and (amount > 10 * min(amounts) or max(amounts) > 10 * amount):
        codes.append("DeviatingAmountPattern")
    if any(o.get("currency") != currency for o in before):
        codes.append("DeviatingCurrencyPattern")
    if account_type == "CASH":
        codes.append("LimitCash")
    return codes


def _description(code: str, amount_limit: Decimal) -> str:
    """Inyett's text for the warning; the amount limit's says which limit was passed."""
    if code == "LimitAmount":
        return f"The amount is above the set limit of {amount_limit:.2f}."
    return WARNINGS[code][1]


def _reference_is_valid(reference: str, country: str) -> bool:
    if not reference.rstrip("-").isdigit():
        return False
    if country == "SE":
        return luhn.is_valid(reference)
    # A Norwegian KID ends in a MOD10 or a MOD11 check digit ("-" for 10).
    body, check = reference[:-1], reference[-1]
    if check.isdigit() and luhn.is_valid(reference):
        return True
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    expected = 11 - total % 11
    return check == {11: "0", 10: "-"}.get(expected, str(expected))
