"""Measure the app: payload of the first page, callback server times, cold start, browser
redraw time. Figures only, no assertions (targets of issue 5: first page at département
level ≤ 2 MB, map figure ≤ 500 KB).

Run ``python benchmarks/app.py`` from the repository root (``--quick`` for fewer runs;
``--no-browser`` without Chromium). Measured, on the national dataset and on
``generate_ecosystem(5000)``:

1. **first page payload** — every byte Chromium receives to show ``/carte`` at
   département level (HTML, scripts, layout, callbacks), as sent (gzip) and decoded, and
   the size of the map figure inside the callback responses;
2. **server time of the filter and selection callbacks** — the Réseau page's core
   (filter, elements, stylesheet, detail) called directly, cold (a state never seen) and
   warm (cached, as when going back and forth); the naive baseline is the same work
   without the cache (every call cold): the ratio is what the cache saves. Then the same
   callback through the Dash test client and over HTTP on loopback, replaying a payload
   recorded from the browser (``POST /_dash-update-component``), with the département
   varied (cold) or not (warm); and the orientation finder (``orient``) per commune;
3. **cold start** — process start to the first 200 on ``/``, and to the first page with
   data (the routing callback, which loads the ecosystem);
4. **browser redraw** — from a click on a filter to the network redrawn with the new
   count of structures, measured in Chromium by Playwright.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402
from fresque.app import create_app  # noqa: E402
from fresque.app.state import ViewState, replace  # noqa: E402
from fresque.ecosystem import Ecosystem, load_ecosystem  # noqa: E402

CY_COUNT = "document.getElementById('net-graph')._cyreg.cy.nodes('.structure').length"
CY_READY = """() => {
  const c = document.getElementById('net-graph');
  return !!(c && c._cyreg && c._cyreg.cy && c._cyreg.cy.nodes('.structure').length > 0);
}"""


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - start)


def line(label: str, values_ms: list[float]) -> str:
    return (
        f"  {label:<52} p50 {pct(values_ms, 0.5):8.1f} ms   p95 {pct(values_ms, 0.95):8.1f} ms"
        f"   (n={len(values_ms)})"
    )


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def find_figures(node, found: list[int]) -> None:
    """Sizes (JSON bytes) of every plotly figure inside a callback response."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "figure" and isinstance(value, dict) and "data" in value:
                found.append(len(json.dumps(value, separators=(",", ":"))))
            else:
                find_figures(value, found)
    elif isinstance(node, list):
        for item in node:
            find_figures(item, found)


# --------------------------------------------------------------------------------------
# 2. callbacks' core, directly
# --------------------------------------------------------------------------------------


def states_for(eco: Ecosystem, n: int, seed: int = 0) -> list[ViewState]:
    """Filter and selection states a user goes through (départements or all France, kinds, a
    selection)."""
    rng = random.Random(seed)
    deps = sorted(eco.territories.table.query("level == 'departement'")["code"])
    kinds = ["support_structure", "network", "funder", "chamber", "public_body"]
    ids = list(eco.structures.index)
    states = []
    for i in range(n):
        # Half the states are national (the heaviest: thousands of structures drawn).
        state = ViewState(
            departement=rng.choice(deps) if i % 2 else None,
            kinds=tuple(k for k in kinds if rng.random() < 0.6) or ("support_structure",),
        )
        if i % 3 == 0:
            state = replace(state, selected=rng.choice(ids))
        states.append(state)
    return states


def core_timings(app, eco: Ecosystem, n: int) -> None:
    from fresque.app import context
    from fresque.app.pages import reseau
    from fresque.orientation import orient
    from fresque.views.network import network_elements, network_index, network_stylesheet

    states = states_for(eco, n)
    with app.server.test_request_context("/"):
        _ = context.current().metrics  # node metrics, computed once per process
        network_index(eco)  # and the network's arrays and element parts

        def full(state: ViewState) -> None:
            state = reseau._sanitize(state)
            shown, _ = reseau._view(state)
            reseau._elements(state, shown)
            reseau._stylesheet(state, shown)
            reseau.render_detail(state, shown)
            reseau._count(state, shown)

        def naive(state: ViewState) -> None:
            """The same work without any cache (what a callback does without one)."""
            arguments = reseau.filter_arguments(state)
            shown = eco.filter(**arguments) if arguments else eco
            network_elements(
                shown,
                layout=state.layout,
                metric=state.metric,
                metrics=context.current().metrics,
                relations=state.relations,
                lang=state.lang,
            )
            sid = state.selected
            if sid and sid in shown:
                network_stylesheet(sid, shown.neighbors(sid))
            reseau.render_detail(state, shown)

        # Each state twice in a row: first cold, then warm (its views are cached; a
        # whole second pass would measure evictions, the caches keep the latest 32-128).
        cold, warm = [], []
        for s in states:
            cold.append(timed(lambda s=s: full(s)))
            warm.append(timed(lambda s=s: full(s)))
        base = [timed(lambda s=s: naive(s)) for s in states]
        # Selection only (same filters, another structure): stylesheet and detail.
        selected = states[0]
        shown, _ = reseau._view(selected)
        pick = sorted(shown.ids)[: max(3, min(n, len(shown)))]
        select = [
            timed(
                lambda sid=sid: (
                    reseau._stylesheet(replace(selected, selected=sid), shown),
                    reseau.render_detail(replace(selected, selected=sid), shown),
                )
            )
            for sid in pick
        ]
        print(line("filter change, cold (state never seen)", cold))
        print(line("filter change, warm (cached)", warm))
        print(line("naive baseline (no cache, every call)", base))
        print(
            f"  ratio naive / warm p50: {pct(base, 0.5) / max(pct(warm, 0.5), 1e-6):,.0f}×"
            f"   cold / warm p50: {pct(cold, 0.5) / max(pct(warm, 0.5), 1e-6):,.0f}×"
        )
        print(line("selection change (stylesheet + detail)", select))
        communes = eco.territories.communes["code"].sample(n, random_state=1).tolist()
        stages = ["emergence", "creation", "consolidation", None]
        ori = [
            timed(lambda c=c, i=i: orient(eco, c, stages[i % 4])) for i, c in enumerate(communes)
        ]
        print(line("orientation: orient(commune, stage)", ori))


# --------------------------------------------------------------------------------------
# 1, 2, 5 in the browser; replay through the test client and HTTP
# --------------------------------------------------------------------------------------


def browser_session(url: str, eco: Ecosystem, runs: int) -> dict:
    """Record payloads and measure page weight and redraw times in Chromium."""
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(chromium_path()), headless=True, args=CHROMIUM_ARGS
        )
        try:
            # 1. first page at département level: every byte received.
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            requests = []
            page.on("requestfinished", lambda r: requests.append(r))
            page.goto(f"{url}/carte?level=departements")
            page.wait_for_selector("#map-graph .main-svg", timeout=60_000)
            page.wait_for_load_state("networkidle")
            sent = decoded = scripts = 0
            figures: list[int] = []
            for request in requests:
                sizes = request.sizes()
                sent += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                if request.resource_type == "script":
                    scripts += sizes["responseBodySize"]
                response = request.response()
                body = response.body() if response else b""
                decoded += len(body)
                if "_dash-update-component" in request.url:
                    with suppress(ValueError):
                        find_figures(json.loads(body), figures)
            out["first_page"] = (sent, decoded, len(requests), max(figures, default=0))
            out["scripts"] = scripts
            context.close()

            # Record a filter payload and time the redraws.
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            posts: list[tuple[str, str]] = []
            page.on(
                "request",
                lambda r: (
                    posts.append((r.url, r.post_data or ""))
                    if "_dash-update-component" in r.url
                    else None
                ),
            )
            page.goto(f"{url}/reseau")
            page.wait_for_function(CY_READY, timeout=120_000)
            posts.clear()
            redraw = []
            labels = ["Réseau", "Financeur", "Chambre"]
            for i in range(runs):
                before = page.evaluate(CY_COUNT)
                label = labels[i % len(labels)]
                start = time.perf_counter()
                page.locator("#net-kinds label", has_text=label).first.click()
                page.wait_for_function(
                    f"(before) => {{ try {{ return {CY_COUNT} !== before; }}"
                    " catch (e) { return false; } }",
                    arg=before,
                    timeout=120_000,
                )
                redraw.append(1000 * (time.perf_counter() - start))
            out["redraw"] = redraw
            out["payloads"] = [
                (u, body) for u, body in posts if '"net-kinds.value"' in body or "net-kinds" in body
            ]
            context.close()
        finally:
            chromium.close()
    return out


def replay(app, url: str, recorded: tuple[str, str], eco: Ecosystem, n: int) -> None:
    path = recorded[0].split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    payload = json.loads(recorded[1])
    deps = sorted(eco.territories.table.query("level == 'departement'")["code"])

    def with_dep(dep: str) -> bytes:
        varied = copy.deepcopy(payload)
        for item in varied["inputs"]:
            if isinstance(item, dict) and item.get("id") == "net-departement":
                item["value"] = dep
        varied["changedPropIds"] = ["net-departement.value"]
        return json.dumps(varied).encode()

    same = json.dumps(payload).encode()
    client = app.server.test_client()
    headers = {
        "Content-Type": "application/json",
        "Accept-Encoding": "gzip",
        "Origin": "http://localhost",  # the test client's own site: writes are same-origin
    }
    status = client.post(path, data=same, headers=headers).status_code
    warm = [timed(lambda: client.post(path, data=same, headers=headers)) for _ in range(n)]
    rng = random.Random(3)
    cold_bodies = [with_dep(rng.choice(deps)) for _ in range(n)]
    cold = [timed(lambda b=b: client.post(path, data=b, headers=headers)) for b in cold_bodies]
    print(f"  (recorded payload replayed: HTTP {status}, {len(same):,} bytes)")
    print(line("Dash test client, same payload (warm)", warm))
    print(line("Dash test client, département varied (mostly cold)", cold))

    def http(body: bytes) -> None:
        request = urllib.request.Request(url + path, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()

    http(same)
    warm_http = [timed(lambda: http(same)) for _ in range(n)]
    rng = random.Random(4)  # other départements than the test client's (not cached yet)
    seen = set(cold_bodies)
    http_bodies = [b for b in (with_dep(d) for d in rng.sample(deps, len(deps))) if b not in seen]
    cold_http = [timed(lambda b=b: http(b)) for b in http_bodies[:n]]
    print(line("HTTP loopback, same payload (warm)", warm_http))
    print(line("HTTP loopback, département varied", cold_http))


# --------------------------------------------------------------------------------------
# 3. cold start
# --------------------------------------------------------------------------------------

SERVER_SCRIPT = """
import sys
from werkzeug.serving import make_server
from fresque.app import create_app
app = create_app()
make_server("127.0.0.1", int(sys.argv[1]), app.server, threaded=True).serve_forever()
"""


def cold_start(runs: int) -> None:
    first, data = [], []
    for _ in range(runs):
        port = free_port()
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", SERVER_SCRIPT, str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            while True:
                try:
                    with urllib.request.urlopen(base + "/", timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.02)
                if time.perf_counter() - start > 120:
                    raise RuntimeError("the app did not start in 120 s")
            first.append(1000 * (time.perf_counter() - start))
            # The routing callback renders the first page (loads the ecosystem).
            body = json.dumps(
                {
                    "output": "page.children",
                    "outputs": {"id": "page", "property": "children"},
                    "inputs": [
                        {"id": "url", "property": "pathname", "value": "/reseau"},
                        {"id": "url", "property": "search", "value": ""},
                    ],
                    "changedPropIds": ["url.pathname"],
                    "state": [{"id": "rendered", "property": "data", "value": None}],
                }
            ).encode()
            layout = urllib.request.urlopen(base + "/_dash-dependencies", timeout=60).read()
            deps = json.loads(layout)
            route = next(d for d in deps if "page.children" in d["output"])
            payload = json.loads(body)
            payload["output"] = route["output"]
            payload["outputs"] = [
                {"id": part.split(".")[0], "property": part.split(".")[1]}
                for part in route["output"].strip(".").split("...")
            ]
            request = urllib.request.Request(
                base + "/_dash-update-component",
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json", "Origin": base},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
            data.append(1000 * (time.perf_counter() - start))
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(line("process start -> first 200 on /", first))
    print(line("process start -> first page with data (Réseau)", data))


# --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    n = 12 if args.quick else 40
    browser_runs = 4 if args.quick else 10
    use_browser = not args.no_browser and chromium_path() is not None

    from fresque.synthetic import generate_ecosystem

    start = time.perf_counter()
    national = load_ecosystem()
    synthetic = generate_ecosystem(5000)
    print(
        f"datasets: national {len(national)} structures / {len(national.links)} links;"
        f" synthetic {len(synthetic)} / {len(synthetic.links)}"
        f" (built in {time.perf_counter() - start:.1f} s)"
    )

    for name, eco in (("national", national), ("synthetic 5000", synthetic)):
        app = create_app(eco)
        print(f"\n== {name} ==")
        print("callbacks' core, called directly:")
        core_timings(app, eco, n)
        if not use_browser:
            continue
        with serve(app) as url:
            recorded = browser_session(url, eco, browser_runs)
            sent, decoded, count, figure = recorded["first_page"]
            print("first page /carte at département level (Chromium, every request):")
            print(
                f"  {count} requests: {kb(sent)} sent (gzip), {kb(decoded)} decoded"
                f"   target ≤ 2,048 KB -> {'OK' if sent <= 2 * 1024 * 1024 else 'OVER'}"
            )
            print(
                f"  map figure: {kb(figure)} JSON"
                f"   target ≤ 500 KB -> {'OK' if figure <= 500 * 1024 else 'OVER'}"
                if figure
                else "  map figure: none found in the callback responses"
            )
            print(f"  of which scripts: {kb(recorded['scripts'])} sent (gzip)")
            print("browser: click a kind filter -> network redrawn (Playwright):")
            print(line("filter click -> new node count drawn", recorded["redraw"]))
            if recorded["payloads"]:
                print("recorded filter callback replayed:")
                replay(app, url, recorded["payloads"][-1], eco, n)
            else:
                print("  (no filter payload recorded)")

    print("\n== cold start (national dataset, fresh process) ==")
    cold_start(2 if args.quick else 4)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
