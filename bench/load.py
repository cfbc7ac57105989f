"""A small load generator, run as a process of its own so that it does not share the server's
interpreter: `python -m bench.load URL PATH SECONDS CONNECTIONS [USERNAME PASSWORD]`.
Prints the number of requests answered 200 per second."""

import re
import sys
import threading
import time

import requests

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def logged_in_session(base_url: str, username: str | None, password: str | None):
    session = requests.Session()
    if username:
        page = session.get(f"{base_url}/logga-in", timeout=10).text
        token = TOKEN.search(page).group(1)
        form = {"username": username, "password": password, "csrf_token": token}
        session.post(f"{base_url}/logga-in", data=form, timeout=10).raise_for_status()
    return session


def main() -> None:
    base_url, path, seconds, connections = sys.argv[1:5]
    username, password = (sys.argv[5:7] + [None, None])[:2]
    sessions = [logged_in_session(base_url, username, password) for _ in range(int(connections))]
    answered = [0] * len(sessions)
    deadline = time.monotonic() + float(seconds)

    def hammer(index: int) -> None:
        while time.monotonic() < deadline:
            if sessions[index].get(base_url + path, timeout=30).status_code == 200:
                answered[index] += 1

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(len(sessions))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{sum(answered) / (time.monotonic() - started):.1f}")


if __name__ == "__main__":
    main()
