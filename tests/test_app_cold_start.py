"""The first requests a fresh server answers (issue #13, finding 7).

Once, on the first load after a server start, the board got a 404 for Dash's polyfill
script and a burst of « regeneratorRuntime is not defined ». Dash prepares a process on
its first request (``Dash._setup_server``, a ``before_request`` hook): among other things
it registers the scripts that ``/_dash-component-suites`` may serve. It marks itself done
*before* doing that work, so a request that arrives in another thread meanwhile skips the
setup and finds no script registered: 404. A gunicorn worker (4 threads) whose first
requests are a page's scripts — the page came from another worker — meets exactly that.
"""

from __future__ import annotations

import gzip
import threading
from html.parser import HTMLParser

import pytest

from fresque.app import create_app

GZIP = {"Accept-Encoding": "gzip"}


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        src = dict(attrs).get("src")
        if tag == "script" and src:
            self.urls.append(src)


@pytest.fixture(scope="module")
def scripts() -> dict[str, bytes]:
    """Every script of the first page, with its bytes, as a warm app serves them."""
    client = create_app(warm_up=False).server.test_client()
    parser = _Scripts()
    parser.feed(client.get("/").get_data(as_text=True))
    urls = [u for u in parser.urls if u.startswith("/_dash-component-suites/")]
    assert any("polyfill" in u for u in urls)
    return {url: client.get(url).get_data() for url in urls}


def _body(response) -> bytes:
    data = response.get_data()
    return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data


@pytest.mark.parametrize("start", range(3))
def test_concurrent_first_requests_of_a_fresh_app_all_get_their_script(scripts, start) -> None:
    """Every script of the page, requested at once from as many threads as a browser
    opens, before anything else: each answer is a 200 with the script's bytes."""
    app = create_app(warm_up=False)
    urls = list(scripts)
    barrier = threading.Barrier(len(urls))
    answers: dict[str, tuple[int, bytes]] = {}

    def fetch(url: str) -> None:
        client = app.server.test_client()
        barrier.wait(timeout=30)
        response = client.get(url, headers=GZIP)
        answers[url] = (response.status_code, _body(response))

    threads = [threading.Thread(target=fetch, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert {url: status for url, (status, _) in answers.items()} == dict.fromkeys(urls, 200)
    assert all(answers[url][1] == scripts[url] for url in urls)
