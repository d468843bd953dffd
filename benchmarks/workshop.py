"""Measure the workshop store: participants editing at once, polling, building the board.

Run ``python benchmarks/workshop.py`` from the repository root (SQLite in a temporary
folder), or ``--url postgresql://…`` for PostgreSQL (the database must exist; the script
adds its own workshop and leaves the rest alone). Options: ``--participants`` (30),
``--edits`` per participant (5), ``--workers`` (server processes, each with its own
engine, as gunicorn workers; 2) and ``--threads`` (request threads per worker; 4).

Figures, each beside a naive baseline measured in the same run:

* **edits**: every participant adds a card then edits it, with versions, all starting
  at the same instant (a burst: the worst case), each sending its next edit when the
  previous one is acknowledged; throughput, and latency percentiles as a phone sees them
  (queueing in the server included); the baseline is the same edits made one after
  the other by a single client (no concurrency). Conflicts and refusals are
  counted (there should be none: each participant edits their own card).
* **polling**: ``changes_since`` when nothing changed (what each phone asks every few
  seconds) against rebuilding the board on every poll (``current_ecosystem`` with the
  cache cleared).
* **board**: ``current_ecosystem`` on the national base after the edits, cold (built)
  and warm (cached by version).

* **redraw**: what a phone's list redraw (the ``participant_live`` callback, posted to
  the app in process through Flask's test client, Dash's JSON included) costs in CPU
  on a workshop of ``--cards`` added cards on the national base, with the workshop
  moving before each round of ``--phones-per-version`` redraws (at 300 phones and
  5 edits per second, each of 2 workers redraws ~15 phones per version); the baseline
  reads every row on every call (``WorkshopService(snapshot_cache=0)``).
  ``--only-redraw`` runs this section alone.
* **board**: what the projector's redraw costs per version in CPU on the same workshop
  (``--cards`` cards on the national base, one more per version): the records of the
  version drawn by a :class:`~fresque.views.board.BoardDrawing` kept between versions,
  and the stages offered per département from the structures; the baseline builds the
  version's ecosystem, its elements and its coverage. The two must give the same
  elements and map. ``--only-board`` runs this section alone.

No assertion on time: the targets of issue 6 (300 participants on one PostgreSQL
workshop) are for the load test that drives the app itself over HTTP under gunicorn,
``benchmarks/workshop_load.py``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fresque.store import ConflictError, RateLimited, WorkshopService  # noqa: E402
from fresque.store.db import make_engine  # noqa: E402


def card(i: int, j: int) -> dict:
    return {
        "name": f"Structure {i}-{j}",
        "kind": "support_structure",
        "dispositifs": ["incubateur"],
        "territory_level": "departement",
        "territory_codes": ["29"],
        "description": "ajoutée pendant le banc d’essai",
    }


def worker(
    url: str, tokens: list[tuple[int, str]], edits: int, threads: int, start_at: float, queue
) -> None:
    """A server process (a gunicorn worker) with its own engine and ``threads`` request
    threads, serving some participants. Each participant sends its next edit as soon as
    the previous one is acknowledged; latency runs from sending to acknowledgement, so it
    includes the wait in the server's queue."""
    import queue as queues

    service = WorkshopService(make_engine(url), upgrade=False)
    ready: queues.Queue = queues.Queue()
    results: list = []
    state = {i: {"token": token, "done": 0, "sid": None, "version": None} for i, token in tokens}

    def serve() -> None:
        while True:
            item = ready.get()
            if item is None:
                return
            i, sent = item
            p = state[i]
            try:
                if p["sid"] is None:
                    made = service.add_structure(p["token"], card(i, 0))
                    p["sid"], p["version"] = made.structure.id, made.version
                else:
                    p["version"] = service.edit_structure(
                        p["token"], p["sid"], {"description": f"version {p['done']}"}, p["version"]
                    ).version
                results.append(("ok", time.perf_counter() - sent, time.perf_counter()))
            except ConflictError:
                results.append(("conflict", 0.0, time.perf_counter()))
            except RateLimited:
                results.append(("rate_limited", 0.0, time.perf_counter()))
            p["done"] += 1
            if p["done"] < edits:
                ready.put((i, time.perf_counter()))
            elif all(q["done"] >= edits for q in state.values()):
                for _ in range(threads):
                    ready.put(None)

    pool = [threading.Thread(target=serve) for _ in range(threads)]
    for thread in pool:
        thread.start()
    time.sleep(max(0.0, start_at - time.time()))
    for i, _token in tokens:
        ready.put((i, time.perf_counter()))
    for thread in pool:
        thread.join()
    service.engine.dispose()
    queue.put(results)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_ms(action, runs: int = 15) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return 1000 * statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base (défaut : SQLite dans un dossier temporaire)")
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--cards", type=int, default=1000, help="cards added (redraw)")
    parser.add_argument("--phones-per-version", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=20, help="versions (redraw)")
    parser.add_argument("--only-redraw", action="store_true")
    parser.add_argument("--only-board", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="fresque-bench-")
    url = args.url or f"sqlite:///{folder}/bench.db"
    if args.only_redraw:
        redraw(url, args.cards, args.phones_per_version, args.rounds)
        return 0
    if args.only_board:
        board(url, args.cards, args.rounds)
        return 0
    service = WorkshopService(make_engine(url))
    backend = service.engine.dialect.name
    workshop, facilitator = service.create_workshop(
        "Banc d’essai", base="national", rate_limit=10_000
    )
    tokens = [(i, service.join(workshop.code, f"P{i:03d}")) for i in range(args.participants)]
    total = args.participants * args.edits
    print(
        f"{backend} : {args.participants} participants × {args.edits} modifications "
        f"= {total}, {args.workers} processus de {args.threads} fils ; base nationale "
        f"({len(service.current_ecosystem(facilitator))} structures)"
    )

    # Edits, concurrent.
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares = [tokens[w :: args.workers] for w in range(args.workers)]
    start_at = time.time() + 8  # every process imported and connected by then
    processes = [
        ctx.Process(target=worker, args=(url, share, args.edits, args.threads, start_at, queue))
        for share in shares
        if share
    ]
    for process in processes:
        process.start()
    results = [item for _ in processes for item in queue.get()]
    for process in processes:
        process.join()
    ok = [r for r in results if r[0] == "ok"]
    ends = [r[2] for r in ok]
    elapsed = max(ends) - min(e - lat for _, lat, e in ok) if ok else float("nan")
    latencies = [1000 * r[1] for r in ok]
    refused = len(results) - len(ok)
    print(
        f"modifications concurrentes : {len(ok)} en {elapsed:.2f} s = "
        f"{len(ok) / elapsed:.0f}/s ; latence médiane {statistics.median(latencies):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms ; "
        f"{refused} refus (conflits ou débit)"
    )

    # Baseline: the same number of edits (capped at 200) by one client, one after another.
    alone = service.join(workshop.code, "Seul")
    sequential = min(total, 200)
    start = time.perf_counter()
    made = service.add_structure(alone, card(9999, 0))
    version = made.version
    for k in range(1, sequential):
        version = service.edit_structure(
            alone, made.structure.id, {"description": f"v{k}"}, version
        ).version
    seconds = time.perf_counter() - start
    print(
        f"  base de comparaison, un client seul : {sequential} en {seconds:.2f} s = "
        f"{sequential / seconds:.0f}/s ({1000 * seconds / sequential:.1f} ms par modification)"
    )

    # Polling.
    viewer = service.create_viewer_link(facilitator)
    version = service.workshop(viewer).version
    poll = median_ms(lambda: service.changes_since(viewer, version), runs=50)

    def rebuild() -> None:
        service._cache.clear()
        service.current_ecosystem(viewer)

    naive = median_ms(rebuild, runs=10)
    print(
        f"sondage sans changement : changes_since {poll:.1f} ms (médiane) ; "
        f"reconstruire le tableau à chaque sondage {naive:.0f} ms, soit {naive / poll:.0f}× plus"
    )

    # Board.
    service._cache.clear()
    cold = median_ms(rebuild, runs=5)
    warm = median_ms(lambda: service.current_ecosystem(viewer), runs=30)
    eco = service.current_ecosystem(viewer)
    print(
        f"tableau ({len(eco)} structures, {len(eco.links)} liens) : construit {cold:.0f} ms, "
        f"en cache {warm:.1f} ms"
    )
    service.engine.dispose()
    redraw(url, args.cards, args.phones_per_version, args.rounds)
    board(url, args.cards, args.rounds)
    return 0


def board(url: str, cards: int, rounds: int) -> None:
    """CPU of the projector's redraw per version, in process (see the module docstring)."""
    from fresque.coverage import compute_coverage, stages_offered_from_structures
    from fresque.views.board import BoardDrawing
    from fresque.views.network import network_elements

    service = WorkshopService(make_engine(url))
    workshop, facilitator = service.create_workshop(
        "Tableau", base="national", rate_limit=10_000, rate_window=60
    )
    phones = [service.join(workshop.code, f"B{i:03d}") for i in range(50)]
    for i in range(cards):
        service.add_structure(phones[i % len(phones)], card(i, 3))
    drawing = BoardDrawing()

    def incremental() -> tuple[list, dict]:
        records = service.current_records(facilitator, revealed_only=True)
        elements = drawing.elements(records.structures, records.links)
        offered = stages_offered_from_structures(records.structures, service.territories)
        return elements, offered.to_dict()

    def naive() -> tuple[list, dict]:
        eco = service.current_ecosystem(facilitator, revealed_only=True)
        elements = network_elements(eco, layout="board")
        return elements, compute_coverage(eco).stages_offered().to_dict()

    incremental()
    fast, slow = [], []
    for r in range(rounds):
        service.add_structure(phones[r % len(phones)], card(80_000 + r, 3))
        results = []
        for method, times in ((incremental, fast), (naive, slow)):
            start = time.process_time()
            results.append(method())
            times.append(1000 * (time.process_time() - start))
        assert results[0] == results[1], "the two boards differ"
    n = len(service.current_records(facilitator).structures)
    fast_ms, slow_ms = statistics.median(fast), statistics.median(slow)
    print(
        f"tableau projeté, redessin par version ({n} structures, {rounds} versions) : CPU "
        f"médian {fast_ms:.1f} ms (dessin gardé d’une version à l’autre, carte des étapes "
        f"tirée des structures) ; en reconstruisant écosystème, éléments et couverture "
        f"{slow_ms:.0f} ms, soit {slow_ms / fast_ms:.0f}× plus"
    )
    service.engine.dispose()


def redraw(url: str, cards: int, per_version: int, rounds: int) -> None:
    """CPU of a phone's redraw, in process (see the module docstring)."""
    from benchmarks.workshop_load import find_callbacks
    from fresque.app import create_app
    from fresque.app.pages import atelier

    service = WorkshopService(make_engine(url))
    naive = WorkshopService(service.engine, snapshot_cache=0, upgrade=False)
    workshop, _facilitator = service.create_workshop(
        "Redessin", base="national", rate_limit=10_000, rate_window=60
    )
    phones = [service.join(workshop.code, f"T{i:03d}") for i in range(max(per_version, 50))]
    for i in range(cards):
        service.add_structure(phones[i % len(phones)], card(i, 1))
    app = create_app()
    client = app.server.test_client()
    render = find_callbacks(client.get("/_dash-dependencies").get_json())["render"]

    shown: dict[str, object] = {}  # each phone's atl-p-shown, as its browser keeps it

    def post(token: str, version: int) -> bytes:
        values = {
            "atl-p-shown.data": shown.get(token),
            "atl-url.search": "",
            "atl-url.pathname": "/atelier",
            "atl-lang.data": "fr",
            "atl-p-version.data": [version, 0],
        }
        client.set_cookie("fresque_atelier", token)  # the phone's token, as its browser holds it
        reply = client.post(
            "/_dash-update-component",
            json=render.body(values, ["atl-p-version.data"]),
            headers={"Origin": "http://localhost"},
        )
        assert reply.status_code == 200, reply.status_code
        shown[token] = reply.get_json()["response"]["atl-p-shown"]["data"]
        return reply.data

    def measure(svc: WorkshopService, rounds: int, phones_now: int) -> tuple[float, float, int]:
        atelier.install_service(app.server, svc)
        for token in phones[: rounds + phones_now]:  # each phone has drawn its list once
            post(token, service.workshop(token).version)
        first, rest, size = [], [], 0
        for r in range(rounds):
            author = phones[r % len(phones)]
            added = service.add_structure(author, card(90_000 + r, 2))
            name, version = added.structure.name, added.seq
            for k in range(phones_now):
                token = author if k == 0 else phones[(r + k) % len(phones)]
                start = time.process_time()
                body = post(token, version)
                (first if k == 0 else rest).append(time.process_time() - start)
                size += len(body)
                if k == 0:
                    assert name.encode() in body, "the author's redraw misses its new card"
        every = first + rest
        return 1000 * statistics.mean(every), 1000 * statistics.mean(first), size // len(every)

    atelier.install_service(app.server, service)
    post(phones[0], service.workshop(phones[0]).version)  # imports, first snapshot
    mean, first, size = measure(service, rounds, per_version)
    base_mean, _first, base_size = measure(naive, max(2, rounds // 10), min(per_version, 5))
    print(
        f"redessin d’un téléphone ({cards} cartes ajoutées à la base nationale, "
        f"{per_version} téléphones par version, {rounds} versions) : CPU moyen "
        f"{mean:.1f} ms (le premier après un changement {first:.1f} ms), réponse "
        f"{size / 1000:.0f} Ko ; sans cache (toutes les lignes à chaque lecture) "
        f"{base_mean:.0f} ms, réponse {base_size / 1000:.0f} Ko, soit {base_mean / mean:.0f}× "
        f"plus ; 300 téléphones × 5 modifications/s ≈ 150 redessins/s ≈ "
        f"{150 * mean / 1000:.1f} cœur(s)"
    )
    service.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
