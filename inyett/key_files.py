"""The secret files in the instance folder (secret_key, encryption.key): owner-only, and always
written whole, so that no process ever reads one half written or keeps a key another replaced."""

import contextlib
import os
import tempfile
from pathlib import Path


def read_or_create(path: Path, new_value: str) -> str:
    """The secret stored at `path`, with `new_value` written there first if there is none.
    Processes starting together on a fresh instance each write a candidate aside and link it
    into place; only the first link succeeds, and every process reads the one that won."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = _written_aside(path, new_value)
        try:
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # unlike a rename, never replaces another's key
        finally:
            candidate.unlink()
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(
            f"{path} är tom, kanske efter en avbruten start. Lägg tillbaka filen från "
            "säkerhetskopian, eller ta bort den så att appen skapar en ny nyckel (en ny "
            "encryption.key kräver att API-nyckeln läggs in igen)."
        )
    return value


def replace(path: Path, value: str) -> None:
    """Put `value` at `path` in one step: a crash leaves the old file or the new, never half."""
    os.replace(_written_aside(path, value), path)


def _written_aside(path: Path, value: str) -> Path:
    # mkstemp creates the file readable by its owner only (0600), whatever the umask.
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "w") as file:
        file.write(value)
        file.flush()
        os.fsync(file.fileno())
    return Path(name)
