"""The pain.001 builder lives in inyett.bankfiles.pain001; this name stays so that code written
against `inyett.pain001` (services, tests, other branches) keeps working unchanged."""

from inyett.bankfiles.pain001 import NAMESPACE
from inyett.bankfiles.pain001 import CreditTransfer
from inyett.bankfiles.pain001 import Debtor
from inyett.bankfiles.pain001 import InvalidPaymentFile
from inyett.bankfiles.pain001 import PaymentFileRefused
from inyett.bankfiles.pain001 import PaymentOrder
from inyett.bankfiles.pain001 import PostalAddress
from inyett.bankfiles.pain001 import build
from inyett.bankfiles.pain001 import build_valid
from inyett.bankfiles.pain001 import validate

__all__ = [
    "NAMESPACE",
    "CreditTransfer",
    "Debtor",
    "InvalidPaymentFile",
    "PaymentFileRefused",
    "PaymentOrder",
    "PostalAddress",
    "build",
    "build_valid",
    "validate",
]
