"""The files in the instance folder hold what lets anyone read the database or forge a session:
only the app's own user may read them, and processes starting together agree on the keys."""

import multiprocessing
import os
import stat

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from inyett.config import load_config
from tests.conftest import make_app

ROUNDS = 15
PROCESSES = 6


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def start_in_each(instances: list[str], everyone_ready, keys) -> None:
    """One process starting the app on each fresh instance folder at the same instant as the
    others, reporting the keys it got."""
    for instance in instances:
        app = Flask("inyett", instance_path=instance)
        everyone_ready.wait(timeout=60)
        load_config(app, {})
        keys.put((instance, app.config["SECRET_KEY"], app.config["ENCRYPTION_KEY"]))


def test_processes_starting_together_on_a_fresh_instance_share_one_key_each(tmp_path, monkeypatch):
    for variable in ("INYETT_SECRET_KEY", "INYETT_ENCRYPTION_KEY"):
        monkeypatch.delenv(variable, raising=False)
    instances = [str(tmp_path / f"instans-{n}") for n in range(ROUNDS)]
    spawn = multiprocessing.get_context("spawn")
    everyone_ready, keys = spawn.Barrier(PROCESSES), spawn.Queue()
    processes = [
        spawn.Process(target=start_in_each, args=(instances, everyone_ready, keys))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    reported = [keys.get(timeout=120) for _ in range(ROUNDS * PROCESSES)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    for instance in instances:
        got = {(secret, key) for place, secret, key in reported if place == instance}
        assert len(got) == 1, instance
        ((secret_key, encryption_key),) = got
        assert len(secret_key) == 64
        Fernet(encryption_key)  # a whole key, not an empty or half-written one
        assert sorted(os.listdir(instance)) == ["encryption.key", "secret_key"]
        assert mode(f"{instance}/secret_key") == mode(f"{instance}/encryption.key") == 0o600


def test_an_empty_key_file_stops_the_start_and_says_which(tmp_path, monkeypatch):
    monkeypatch.delenv("INYETT_SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="secret_key är tom"):
        load_config(Flask("inyett", instance_path=str(tmp_path)), {})


def sqlite_files(tmp_path, monkeypatch, name: str) -> list[str]:
    """The app started on the SQLite file `name`, and the files SQLite keeps for it."""
    monkeypatch.delenv("INYETT_DATABASE_URL", raising=False)
    database = tmp_path / name
    make_app(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    files = [str(database), f"{database}-wal", f"{database}-shm"]
    assert all(os.path.exists(path) for path in files)
    return files


def test_the_sqlite_database_and_its_wal_and_shm_are_the_owners_only(tmp_path, monkeypatch):
    old_umask = os.umask(0o022)  # what a shell usually gives: new files readable to all
    try:
        files = sqlite_files(tmp_path, monkeypatch, "ny.sqlite3")
    finally:
        os.umask(old_umask)
    assert [mode(path) for path in files] == [0o600] * 3


def test_a_database_an_older_version_left_readable_to_all_is_closed_at_start(tmp_path, monkeypatch):
    database = tmp_path / "gammal.sqlite3"
    for path in (database, f"{database}-wal", f"{database}-shm"):
        open(path, "wb").close()
        os.chmod(path, 0o644)
    files = sqlite_files(tmp_path, monkeypatch, "gammal.sqlite3")
    assert [mode(path) for path in files] == [0o600] * 3
