"""Who may do what on the Atelier's server, without a browser: the token travels in an
HttpOnly cookie (never in an address), screens get a display-only token, every write
comes from the site's own pages, and a reverse proxy is believed only when trusted.

The pure functions (:mod:`fresque.app.proxies`, :mod:`fresque.app.origin`) are tested
on plain dictionaries; the routes and callbacks with Flask's test client on the real app
and a workshop store in a temporary SQLite file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.workshop_load import find_callbacks
from fresque.app import create_app, origin, proxies
from fresque.app.pages import atelier
from fresque.app.pages.atelier import session
from fresque.geo.territories import Territories
from fresque.store import WorkshopService
from fresque.store.db import make_engine

GEO_MINI = Path(__file__).resolve().parent / "data" / "geo_mini"
HERE = "http://localhost"  # the test client's own origin


@pytest.fixture(autouse=True)
def _no_proxy_configured(monkeypatch):
    monkeypatch.delenv("FRESQUE_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("FRESQUE_FACILITATOR_KEY", raising=False)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app()
    folder = tmp_path_factory.mktemp("access")
    service = WorkshopService(
        make_engine(f"sqlite:///{folder / 'atelier.db'}"), territories=Territories.load(GEO_MINI)
    )
    atelier.install_service(app.server, service)
    return app


@pytest.fixture(scope="module")
def service(app):
    return app.server.extensions[atelier.EXTENSION]


@pytest.fixture(scope="module")
def callbacks(app):
    return find_callbacks(app.server.test_client().get("/_dash-dependencies").get_json())


# --- proxies ----------------------------------------------------------------------------

TRUSTED = proxies.parse_proxies("127.0.0.1, 10.0.0.0/8, ::1")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "client"),
    [
        # No proxy trusted: whatever the header says, the peer is the client.
        ("127.0.0.1", "203.0.113.9", (), "127.0.0.1"),
        # A peer that is not a trusted proxy cannot speak for anyone.
        ("198.51.100.1", "203.0.113.9", TRUSTED, "198.51.100.1"),
        # The trusted proxy saw 203.0.113.9; what the client wrote before it is ignored.
        ("127.0.0.1", "6.6.6.6, 203.0.113.9", TRUSTED, "203.0.113.9"),
        # Two trusted hops, then the client.
        ("10.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.7", TRUSTED, "203.0.113.9"),
        ("::1", "2001:db8::5", TRUSTED, "2001:db8::5"),
        ("127.0.0.1", "203.0.113.9:51234", TRUSTED, "203.0.113.9"),  # with a port
        ("127.0.0.1", "[2001:db8::5]:443", TRUSTED, "2001:db8::5"),
        ("127.0.0.1", "", TRUSTED, "127.0.0.1"),  # a trusted proxy that says nothing
        ("127.0.0.1", "10.0.0.3", TRUSTED, "10.0.0.3"),  # only trusted hops: the farthest
        ("127.0.0.1", "not-an-address", TRUSTED, "127.0.0.1"),
    ],
)
def test_client_address_believes_only_trusted_proxies(peer, forwarded_for, trusted, client):
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert proxies.client_address(environ, trusted) == client


def test_scheme_and_host_come_from_a_trusted_proxy_only():
    environ = {
        "REMOTE_ADDR": "10.0.0.2",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1:8050",
        "HTTP_X_FORWARDED_PROTO": "http, https",
        "HTTP_X_FORWARDED_HOST": "evil.example, fresque.example.org",
    }
    assert proxies.request_scheme(environ, TRUSTED) == "https"
    assert proxies.request_host(environ, TRUSTED) == "fresque.example.org"
    assert proxies.request_scheme(environ, ()) == "http"
    assert proxies.request_host(environ, ()) == "127.0.0.1:8050"
    assert proxies.request_scheme({**environ, "HTTP_X_FORWARDED_PROTO": "gopher"}, TRUSTED) == (
        "http"
    )


def test_a_mistyped_proxy_list_stops_the_app_with_its_entry(monkeypatch):
    with pytest.raises(ValueError, match=r"« 10\.0\.0\.0/33 » n’est ni une adresse ni un réseau"):
        proxies.parse_proxies("127.0.0.1, 10.0.0.0/33")
    monkeypatch.setenv("FRESQUE_TRUSTED_PROXIES", "localhost")
    with pytest.raises(ValueError, match="FRESQUE_TRUSTED_PROXIES : « localhost »"):
        create_app()


@pytest.mark.parametrize(
    ("environ", "trusted", "local"),
    [
        ({"REMOTE_ADDR": "127.0.0.1"}, (), True),
        ({"REMOTE_ADDR": "::1"}, (), True),
        ({"REMOTE_ADDR": "192.168.1.20"}, (), False),
        # Behind a proxy on the same machine, every visitor's peer is loopback.
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}, (), False),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"}, (), False),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.9"}, (), False),
        ({"REMOTE_ADDR": "127.0.0.1"}, TRUSTED, False),  # a proxy is configured
    ],
)
def test_only_a_local_request_without_proxy_is_local(environ, trusted, local):
    assert proxies.local_request(environ, trusted) is local


@pytest.mark.parametrize(
    ("headers", "trusted", "allowed"),
    [
        ({"X-Forwarded-For": "203.0.113.9"}, None, False),
        ({}, "127.0.0.1", False),
        ({"X-Forwarded-For": "127.0.0.1"}, "127.0.0.1", False),
        ({}, None, True),
    ],
)
def test_workshop_creation_without_key_behind_a_proxy_is_refused(
    app, monkeypatch, headers, trusted, allowed
):
    """Finding 9: behind a reverse proxy every visitor is loopback; without the
    facilitator key, creation is allowed only with nothing in between."""
    if trusted:
        monkeypatch.setenv("FRESQUE_TRUSTED_PROXIES", trusted)
    with app.server.test_request_context(
        "/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        assert atelier._may_create(None) is allowed
    monkeypatch.setenv("FRESQUE_FACILITATOR_KEY", "clé-de-l-animation")
    with app.server.test_request_context(
        "/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        assert atelier._may_create("clé-de-l-animation") is True


def test_client_address_of_a_request(app, monkeypatch):
    from fresque.app.pages.atelier.access import client_address

    headers = {"X-Forwarded-For": "203.0.113.9"}
    with app.server.test_request_context(
        "/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        assert client_address() == "127.0.0.1"
    monkeypatch.setenv("FRESQUE_TRUSTED_PROXIES", "127.0.0.1")
    with app.server.test_request_context(
        "/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        assert client_address() == "203.0.113.9"


# --- same origin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin_header", "referer", "scheme", "host", "same"),
    [
        ("http://127.0.0.1:8050", None, "http", "127.0.0.1:8050", True),
        ("http://127.0.0.1:8050", None, "http", "127.0.0.1:8051", False),  # another port
        ("http://localhost:8050", None, "http", "127.0.0.1:8050", False),  # another host
        ("https://fresque.example.org", None, "https", "fresque.example.org:443", True),
        ("http://fresque.example.org", None, "https", "fresque.example.org", False),
        ("HTTP://Fresque.Example.org:80", None, "http", "fresque.example.org", True),
        ("http://[::1]:8050", None, "http", "[::1]:8050", True),
        ("null", None, "http", "127.0.0.1:8050", False),  # a sandboxed or file page
        (None, "http://127.0.0.1:8050/atelier?vue=tableau", "http", "127.0.0.1:8050", True),
        (None, "http://evil.example/x", "http", "127.0.0.1:8050", False),
        (None, None, "http", "127.0.0.1:8050", False),
        ("https://evil.example", "http://127.0.0.1:8050/", "http", "127.0.0.1:8050", False),
    ],
)
def test_same_origin(origin_header, referer, scheme, host, same):
    assert origin.same_origin(origin_header, referer, scheme, host) is same


def test_every_state_changing_method_is_checked_and_reads_are_not():
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8050",
        "wsgi.url_scheme": "http",
        "HTTP_ORIGIN": "https://evil.example",
    }
    for method in ("POST", "PUT", "PATCH", "DELETE", "post"):
        message = origin.check({**environ, "REQUEST_METHOD": method}, ())
        assert message is not None and "https://evil.example" in message
        assert "http://127.0.0.1:8050" in message
    for method in ("GET", "HEAD", "OPTIONS"):
        assert origin.check({**environ, "REQUEST_METHOD": method}, ()) is None


def join_body(callbacks, code: str, nickname: str) -> dict:
    return callbacks["join"].body(
        {
            "atl-join-go.n_clicks": 1,
            "atl-join-code.value": code,
            "atl-join-nick.value": nickname,
            "atl-lang.data": "fr",
        },
        ["atl-join-go.n_clicks"],
    )


def nicknames(service, token) -> set[str]:
    return {m.nickname for m in service.members(token)}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/forum"},
        {},
    ],
    ids=["other-origin", "null-origin", "other-referer", "no-header"],
)
def test_a_forged_cross_origin_callback_is_refused_and_writes_nothing(
    app, service, callbacks, headers
):
    ws, token = service.create_workshop("Origine", base="vide")
    client = app.server.test_client()
    reply = client.post(
        "/_dash-update-component", json=join_body(callbacks, ws.code, "Forgé"), headers=headers
    )
    assert reply.status_code == 403
    text = reply.get_data(as_text=True)
    assert text.startswith("Requête refusée :") and "Request refused:" in text
    assert reply.headers.get("Set-Cookie") is None
    assert "Forgé" not in nicknames(service, token)
    # The same request from the site's own page goes through.
    reply = client.post(
        "/_dash-update-component",
        json=join_body(callbacks, ws.code, "Vraie"),
        headers={"Origin": HERE},
    )
    assert reply.status_code == 200 and "Vraie" in nicknames(service, token)


def test_a_trusted_proxy_forwards_the_site_address(app, service, callbacks, monkeypatch):
    """Behind a TLS proxy, the page's origin is https://the-public-name: accepted when
    the proxy is trusted (its X-Forwarded-Host and -Proto), refused otherwise."""
    ws, token = service.create_workshop("Proxy", base="vide")
    client = app.server.test_client()
    headers = {
        "Origin": "https://fresque.example.org",
        "X-Forwarded-Host": "fresque.example.org",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
    }
    body = join_body(callbacks, ws.code, "Derrière")
    reply = client.post("/_dash-update-component", json=body, headers=headers)
    assert reply.status_code == 403 and "FRESQUE_TRUSTED_PROXIES" in reply.get_data(as_text=True)
    monkeypatch.setenv("FRESQUE_TRUSTED_PROXIES", "127.0.0.1")
    reply = client.post("/_dash-update-component", json=body, headers=headers)
    assert reply.status_code == 200 and "Derrière" in nicknames(service, token)
    # Over https, the cookie is Secure.
    assert "Secure" in reply.headers["Set-Cookie"]


# --- the cookie -------------------------------------------------------------------------


def cookies_set(reply) -> dict[str, str]:
    """``name → whole Set-Cookie header`` of a reply."""
    return {h.split("=", 1)[0]: h for h in reply.headers.getlist("Set-Cookie")}


def test_joining_keeps_the_token_in_an_httponly_cookie_not_in_the_page(app, service, callbacks):
    ws, _token = service.create_workshop("Cookie", base="vide")
    client = app.server.test_client()
    reply = client.post(
        "/_dash-update-component",
        json=join_body(callbacks, ws.code, "Alice"),
        headers={"Origin": HERE},
    )
    assert reply.status_code == 200
    cookie = cookies_set(reply)["fresque_atelier"]
    alice = cookie.split(";")[0].split("=", 1)[1]
    assert service.me(alice).nickname == "Alice"
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on the test client
    body = reply.get_data(as_text=True)
    assert alice not in body and "atl-url" not in body  # neither shown nor put in the URL
    assert "atl-f-name" in body  # her phone, at once


def test_the_session_route_trades_a_token_for_its_cookie(app, service):
    _ws, token = service.create_workshop("Entrée", base="vide")
    screen = service.create_screen_link(token)
    client = app.server.test_client()

    def post(body, **headers):
        return client.post(session.SESSION_PATH, json=body, headers={"Origin": HERE, **headers})

    reply = post({"token": token})
    assert reply.status_code == 200 and reply.get_json() == {"location": "/atelier"}
    assert cookies_set(reply)["fresque_atelier"].startswith(f"fresque_atelier={token};")
    assert reply.headers["Cache-Control"] == "no-store"
    # A screen token goes into the screen cookie, and to the board, whatever is asked.
    reply = post({"token": screen, "lang": "en"})
    assert reply.get_json() == {"location": "/atelier?vue=tableau&lang=en"}
    assert set(cookies_set(reply)) == {"fresque_ecran"}
    assert post({"token": token, "vue": "tableau"}).get_json() == {
        "location": "/atelier?vue=tableau"
    }
    refused = post({"token": "pas-un-jeton"})
    assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    assert "Lien d’atelier inconnu" in refused.get_json()["error"]
    missing = post({})
    assert missing.status_code == 400 and "#t=" in missing.get_json()["error"]
    assert post("pas du json").status_code == 400
    # Another site cannot plant a cookie on this device either.
    forged = client.post(
        session.SESSION_PATH, json={"token": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403 and "Set-Cookie" not in forged.headers


def test_the_entry_page_holds_no_token_and_takes_it_from_the_fragment(app):
    client = app.server.test_client()
    reply = client.get("/atelier/entrer?vue=tableau&lang=en")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    page = reply.get_data(as_text=True)
    assert '<html lang="en">' in page and "Opening the workshop" in page
    assert "history.replaceState" in page and "location.hash" in page
    assert json.dumps(session.SESSION_PATH) in page
    assert reply.headers["Cache-Control"] == "no-store"
    assert 'name="referrer" content="no-referrer"' in page


def test_the_panel_board_link_carries_a_screen_token_never_the_facilitator_one(app, service):
    """Finding 3: the panel's "Ouvrir le tableau (vidéoprojecteur)" link put the
    facilitator's token in the projected address bar."""
    ws, token = service.create_workshop("Projecteur", base="vide")
    with app.server.test_request_context("/", headers={"Cookie": f"fresque_atelier={token}"}):
        panel = atelier.render("", "fr")
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif hasattr(node, "to_plotly_json"):
            if getattr(node, "id", None) == "atl-fa-board-link":
                found.append(node.href)
            walk(getattr(node, "children", None))

    walk(panel)
    (href,) = found
    assert token not in href
    assert href.startswith("/atelier/entrer?vue=tableau#t=")
    screen = href.split("#t=", 1)[1]
    assert service.me(screen).role.value == "screen"
    assert service.workshop(screen).id == ws.id


def test_a_screen_token_reads_and_writes_nothing(service):
    from fresque.store import PermissionDenied

    ws, token = service.create_workshop("Écran", base="vide")
    screen = service.create_screen_link(token)
    assert service.workshop(screen).code == ws.code  # the board shows it
    card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
    with pytest.raises(PermissionDenied, match="vous êtes un écran partagé"):
        service.add_structure(screen, {"name": "Depuis l’écran", **card})
    with pytest.raises(PermissionDenied):
        service.create_screen_link(screen)
    with pytest.raises(PermissionDenied):
        service.members(screen)
    log = [e.kind for e in service.audit_log(token)]
    assert log[-1] == "screen_link"


def test_a_screen_only_device_is_offered_the_board_never_the_panel(app, service):
    """Finding 3: a browser that opened only the board later offered "Y retourner
    (Animation)", which opened the full panel."""
    _ws, token = service.create_workshop("Reprise", base="vide")
    screen = service.create_screen_link(token)
    with app.server.test_request_context("/", headers={"Cookie": f"fresque_ecran={screen}"}):
        content = atelier.render("", "fr")
    shown = json.dumps(
        content.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False
    )
    assert "atl-join-code" in shown and "atl-fa-pending" not in shown
    assert "Cet appareil affiche le tableau de l’atelier « Reprise »" in shown
    assert '"href": "/atelier?vue=tableau"' in shown and "(animation)" not in shown
    assert '"href": "/atelier"' not in shown
    assert token not in shown and screen not in shown


def test_leaving_clears_both_cookies(app, service):
    _ws, token = service.create_workshop("Départ", base="vide")
    client = app.server.test_client()
    dependencies = client.get("/_dash-dependencies").get_json()
    (leave,) = [
        d for d in dependencies if {"id": "atl-leave", "property": "n_clicks"} in d["inputs"]
    ]
    client.set_cookie("fresque_atelier", token)
    reply = client.post(
        "/_dash-update-component",
        json={
            "output": leave["output"],
            "outputs": {"id": "atl-content", "property": "children"},
            "inputs": [{"id": "atl-leave", "property": "n_clicks", "value": 1}],
            "state": [{"id": "atl-lang", "property": "data", "value": "fr"}],
            "changedPropIds": ["atl-leave.n_clicks"],
        },
        headers={"Origin": HERE},
    )
    assert reply.status_code == 200
    gone = cookies_set(reply)
    assert set(gone) == {"fresque_atelier", "fresque_ecran"}
    assert all("Max-Age=0" in header for header in gone.values())
    assert "atl-join-code" in reply.get_data(as_text=True)


def test_the_facilitator_link_for_another_device_is_for_the_facilitator_only(app, service):
    ws, token = service.create_workshop("Autre appareil", base="vide")
    alice = service.join(ws.code, "Alice")
    client = app.server.test_client()
    dependencies = client.get("/_dash-dependencies").get_json()
    (other,) = [
        d for d in dependencies if {"id": "atl-other-device", "property": "n_clicks"} in d["inputs"]
    ]

    def ask(who):
        client.set_cookie("fresque_atelier", who)
        return client.post(
            "/_dash-update-component",
            json={
                "output": other["output"],
                "outputs": {"id": "atl-other-device-link", "property": "children"},
                "inputs": [{"id": "atl-other-device", "property": "n_clicks", "value": 1}],
                "state": [{"id": "atl-lang", "property": "data", "value": "fr"}],
                "changedPropIds": ["atl-other-device.n_clicks"],
            },
            headers={"Origin": HERE},
        )

    shown = json.dumps(ask(token).get_json(), ensure_ascii=False)
    assert f"http://localhost/atelier/entrer#t={token}" in shown and "ne le projetez pas" in shown
    assert alice not in ask(alice).get_data(as_text=True)
    assert token not in ask(alice).get_data(as_text=True)
