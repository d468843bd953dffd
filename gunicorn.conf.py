"""gunicorn settings for serving Fresque to an event (read from the working directory).

``gunicorn --bind 0.0.0.0:8050 dash_app:server`` from the repository root picks these up;
options on the command line win. Measured with ``benchmarks/workshop_load.py`` (300 phones
polling every 2 s, 5 edits per second, on a 2-core machine):

- ``gthread`` workers, one process per core with 4 threads each: the threads of one
  process share the app's caches (the board, the geography, the workshop's cards)
  instead of loading them once per process. A poll costs ~1.6 ms of CPU and a phone's
  redraw a few ms, so a process is mostly busy in Python, where its threads take turns
  on one lock: with 8 threads instead of 4, the slowest requests waited longer (one
  minute with redraws, p99 of polls 291 ms against 65 ms on SQLite; adds p95 254 ms
  against 105 ms on PostgreSQL) for the same CPU;
- ``keepalive`` above the phones' poll period: with gunicorn's default (2 s) every phone
  polling every 2 s had its connection closed between two polls (~1,000 reconnections a
  minute for 300 phones); with 10 s they keep it.

``WEB_CONCURRENCY`` (processes) and ``FRESQUE_THREADS`` (threads per process) override the
defaults; PostgreSQL (``FRESQUE_DATABASE_URL``) is what lets several hosts share one
workshop.
"""

from __future__ import annotations

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
threads = int(os.environ.get("FRESQUE_THREADS") or 4)
keepalive = 10
# One slow request (an export, a cold board on a large base) must not have its worker
# killed while a room waits.
timeout = 60
