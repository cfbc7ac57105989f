"""Random codes for the ids the app sends to Inyett.

The ids must never repeat, not even across two installations sharing one API key, a reinstall
with the same key, or a database restored from a backup: a repeated id makes Inyett answer with
another batch's analysis. The database's running numbers repeat in all three cases, so every id
also carries the installation's id (new for each installation, and rotated by a restore) and a
random code (which still differs when a copy of the database is put back by hand).
"""

import secrets
from typing import Protocol

# Crockford's base32: digits and capitals without I, L, O and U, which are read as 1, 1, 0 and V.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
INSTALLATION_ID_LENGTH = 5
RANDOM_PART_LENGTH = 4


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_installation_id() -> str:
    return random_code(INSTALLATION_ID_LENGTH)


# The reference leads every id, which is also the payment's EndToEndId in pain.001 (at most 35
# characters): 12 for the reference leave 23 for the installation's 5, a row number of up to
# 10 digits with its P (PostgreSQL's INTEGER), the random 4 and three dashes.
REFERENCE_MAX_LENGTH = 12


class IdParts(Protocol):
    """What an id is made of: the installation's settings (models.InyettSettings)."""

    batch_reference: str
    installation_id: str


def batch_external_id(settings: IdParts, number: int) -> str:
    """A batch id no other batch at Inyett has, led by the Batchreferens: Acme-7KQ2M-12-X9F4."""
    return _external_id(settings, str(number))


def payment_external_id(settings: IdParts, number: int) -> str:
    """A transaction id (and EndToEndId) no other payment has: Acme-7KQ2M-P12-4RTA."""
    return _external_id(settings, f"P{number}")


def _external_id(settings: IdParts, number: str) -> str:
    # A longer reference saved before the limit was 12 is cut: it only labels the id.
    parts = (
        settings.batch_reference[:REFERENCE_MAX_LENGTH],
        settings.installation_id,
        number,
        random_code(RANDOM_PART_LENGTH),
    )
    return "-".join(part for part in parts if part)
