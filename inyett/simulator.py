"""A stand-in for Inyett Payment Control, for the demo and the end-to-end tests.

Run alone: `INYETT_SIMULATOR_API_KEY=... flask --app inyett.simulator run --port 5001`.
It speaks the contract of shared/spec/inyett-api.md: production under `/3/<country>/...`
(and `/2/...`), Inyett's test environment under `/test/3/<country>/...`, each with its own key
and its own batches. Inspection for tests: `GET /_simulator/batches`, `POST /_simulator/reset`.

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
| DeviatingAccountPattern | the same creditorOrgNr was paid earlier to another account |
| LimitCash | creditorAccountType CASH |
"""

import os
import re
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask import jsonify
from flask import request
from stdnum import luhn

DEREGISTERED_GIROS = {"99999997", "9999996"}
WARNING_LIST_SE = {"5599999991"}
WARNING_LIST_NO = {"999999980"}
ACCOUNT_TYPES = {"BGNR", "PGNR", "BBAN", "IBAN", "CASH"}
AMOUNT_FORMAT = re.compile(r"^\d{1,12}\.\d{2}$")

WARNINGS = {
    "DeviatingAccountPattern": (
        "Deviating account pattern",
        "The account differs from the usual one for this payee.",
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


def create_app(config: dict | None = None) -> Flask:
    """The simulator app; `config` overrides the INYETT_SIMULATOR_* environment variables."""
    settings = {
        "INYETT_SIMULATOR_API_KEY": "demo-nyckel-inyett",
        "INYETT_SIMULATOR_TEST_API_KEY": "demo-nyckel-inyett-test",
        "INYETT_SIMULATOR_ANALYSIS_SECONDS": "2.0",
        "INYETT_SIMULATOR_AMOUNT_LIMIT": "100000.00",
        "INYETT_SIMULATOR_LATENCY_MS": "0",
    }
    settings.update({key: os.environ[key] for key in settings if key in os.environ})
    settings.update(config or {})
    app = Flask(__name__)
    lock = threading.Lock()
    environments = {
        "production": Environment(settings["INYETT_SIMULATOR_API_KEY"]),
        "test": Environment(settings["INYETT_SIMULATOR_TEST_API_KEY"]),
    }
    analysis_seconds = float(settings["INYETT_SIMULATOR_ANALYSIS_SECONDS"])
    amount_limit = Decimal(str(settings["INYETT_SIMULATOR_AMOUNT_LIMIT"]))
    latency = float(settings["INYETT_SIMULATOR_LATENCY_MS"]) / 1000

    def error(status: int, message: str):
        return jsonify({"code": status, "message": message}), status

    def environment_for(name: str, country: str):
        """The environment, or an error answer for a bad key or country."""
        env = environments[name]
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if key != env.api_key:
            if name == "test" and key == environments["production"].api_key:
                return None, error(403, "Key has no access to the test environment")
            return None, error(401, "Invalid or missing API key")
        if country not in ("SE", "NO"):
            return None, error(404, "Unknown profile country")
        return env, None

    @app.before_request
    def simulate_latency():
        if latency and not request.path.startswith("/_simulator"):
            time.sleep(latency)

    @app.post("/<env_name>/<int:version>/<country>/payment-control/batches")
    @app.post(
        "/<int:version>/<country>/payment-control/batches", defaults={"env_name": "production"}
    )
    def create_batch(env_name: str, version: int, country: str):
        """Store a batch for analysis; 409 if the id exists, 400 if a field is wrong."""
        if env_name not in environments or version not in (2, 3):
            return error(404, "Not found")
        env, failure = environment_for(env_name, country)
        if failure:
            return failure
        body = request.get_json(silent=True)
        problem = _validate_batch(body)
        if problem:
            return error(400, problem)
        batch_id = str(body.get("externalId") or f"sim-{time.time_ns()}")
        with lock:
            if batch_id in env.batches:
                return error(409, "Batch already exists")
            env.batches[batch_id] = Batch(
                external_id=batch_id,
                country=country,
                debtor_account=str(body["debtorAccount"]),
                transactions=list(body["transactions"]),
                created=time.monotonic(),
                created_at=datetime.now(UTC).isoformat(),
            )
        return jsonify({"code": 200, "externalBatchId": batch_id})

    @app.delete("/<env_name>/<int:version>/<country>/payment-control/batches/<batch_id>")
    @app.delete(
        "/<int:version>/<country>/payment-control/batches/<batch_id>",
        defaults={"env_name": "production"},
    )
    def delete_batch(env_name: str, version: int, country: str, batch_id: str):
        """Hide a batch from future analysis."""
        if env_name not in environments:
            return error(404, "Not found")
        env, failure = environment_for(env_name, country)
        if failure:
            return failure
        with lock:
            batch = env.batches.get(batch_id)
            if batch is None or batch.deleted:
                return error(404, "Batch not found")
            batch.deleted = True
        return jsonify({"code": 200})

    @app.get("/<env_name>/<int:version>/<country>/payment-control/batches/<batch_id>/warnings")
    @app.get(
        "/<int:version>/<country>/payment-control/batches/<batch_id>/warnings",
        defaults={"env_name": "production"},
    )
    def batch_warnings(env_name: str, version: int, country: str, batch_id: str):
        """The analysis of a batch: Pending at first, then each transaction's warnings."""
        if env_name not in environments:
            return error(404, "Not found")
        env, failure = environment_for(env_name, country)
        if failure:
            return failure
        with lock:
            batch = env.batches.get(batch_id)
            if batch is None or batch.deleted:
                return error(404, "Batch not found")
            if time.monotonic() - batch.created < analysis_seconds:
                return jsonify(
                    {"externalBatchId": batch_id, "status": "Pending", "transactions": []}
                )
            others = [b for b in env.batches.values() if not b.deleted]
            transactions = [
                {
                    "externalId": t.get("externalId"),
                    "warnings": [
                        {
                            "code": code,
                            "name": WARNINGS[code][0],
                            "description": WARNINGS[code][1],
                            "category": WARNINGS[code][2],
                        }
                        for code in _warnings_for(t, batch, others, amount_limit)
                    ],
                }
                for t in batch.transactions
            ]
        return jsonify(
            {"externalBatchId": batch_id, "status": "Analysed", "transactions": transactions}
        )

    @app.get("/_simulator/batches")
    def inspect_batches():
        """What the simulator holds, per environment (no key needed: tests and demo only)."""
        with lock:
            return jsonify(
                {
                    name: [
                        {
                            "externalId": b.external_id,
                            "country": b.country,
                            "deleted": b.deleted,
                            "createdAt": b.created_at,
                            "transactions": [t.get("externalId") for t in b.transactions],
                        }
                        for b in env.batches.values()
                    ]
                    for name, env in environments.items()
                }
            )

    @app.post("/_simulator/reset")
    def reset():
        """Forget every batch."""
        with lock:
            for env in environments.values():
                env.batches.clear()
        return jsonify({"code": 200})

    return app


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


def _warnings_for(t: dict, batch: Batch, batches: list[Batch], amount_limit: Decimal) -> list[str]:
    codes = []
    amount = Decimal(t["amount"])
    earlier = [
        (other, b)
        for b in batches
        if b.debtor_account == batch.debtor_account
        for other in b.transactions
        if other.get("externalId") != t.get("externalId")
    ]
    same_payee = [
        o
        for o, _ in earlier
        if o.get("creditorAccount") == t.get("creditorAccount")
        and _reference(o) == _reference(t)
        and _reference(t)
    ]
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
    if t.get("currency") not in ("SEK", "NOK", "EUR"):
        codes.append("LimitCurrency")
    orgnr = str(t.get("creditorOrgNr") or "")
    account_type = t.get("creditorAccountType")
    if account_type == "BBAN" and (not orgnr or (len(orgnr) == 10 and int(orgnr[2]) < 2)):
        codes.append("LimitPrivateBankAccount")
    if account_type in ("BGNR", "PGNR") and t.get("creditorAccount") in DEREGISTERED_GIROS:
        codes.append("GiroInactive")
    if orgnr in WARNING_LIST_SE:
        codes.append("SwedishCompanyWarningList")
    if orgnr in WARNING_LIST_NO:
        codes.append("NorwegianCompanyWarningList")
    if orgnr and any(
        o.get("creditorOrgNr") == orgnr and o.get("creditorAccount") != t.get("creditorAccount")
        for o, b in earlier
        if b.created <= batch.created
    ):
        codes.append("DeviatingAccountPattern")
    if account_type == "CASH":
        codes.append("LimitCash")
    return codes


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
