"""Waiting in a Playwright page until what it draws is done: a condition, never a delay.

A browser test reads sizes and positions, or takes a screenshot, once the page has
stopped moving. What moves after the DOM is there:

- Dash callbacks still in flight (a clientside callback folding the filters, say);
- a plotly figure that ``dcc.Graph(responsive=True)`` redraws, after a debounce,
  once its container has changed size;
- a Cytoscape graph: a layout, a viewport animation, a resize it catches up with.

Each wait below names the state it waits for and checks it on every animation frame
(``polling="raf"``); :func:`wait_until_still` adds that the state read is the same on
successive frames. Playwright's ``wait_for_function`` does not await a promise a
predicate returns (a promise is truthy), hence a predicate that remembers the previous
frame's reading instead of a ``requestAnimationFrame`` promise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

_KEYS = itertools.count()

#: Memoises, per wait, the previous frame's reading; true once it held ``frames`` frames.
_STILL = """(input) => {{
  const reading = ({snapshot})(input.arg);
  const memo = window.__fresqueStill || (window.__fresqueStill = {{}});
  if (reading === null || reading === undefined || reading === false) {{
    delete memo[input.key];
    return false;
  }}
  const text = JSON.stringify(reading);
  const seen = memo[input.key];
  memo[input.key] = {{text, frames: seen && seen.text === text ? seen.frames + 1 : 0}};
  return memo[input.key].frames >= input.frames;
}}"""


def wait_until_still(
    page, snapshot: str, arg: object = None, *, frames: int = 2, timeout: float = 30_000
) -> None:
    """Wait until the JS function ``snapshot`` returns the same value on ``frames`` + 1
    successive animation frames.

    ``snapshot(arg)`` returns what must have stopped changing (JSON-able), or ``null``
    while the page is not ready to be read (then the count starts again).
    """
    key = f"w{next(_KEYS)}"
    page.wait_for_function(
        _STILL.format(snapshot=snapshot),
        arg={"arg": arg, "key": key, "frames": frames},
        polling="raf",
        timeout=timeout,
    )
    page.evaluate("(key) => { delete window.__fresqueStill[key]; }", key)


#: No Dash callback requested, waiting or running, and the renderer not loading.
DASH_IDLE = """() => {
  const store = (window.dash_stores || [])[0];
  if (!store) { return false; }
  const state = store.getState();
  const queues = ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed',
                  'stored'];
  return !state.isLoading && queues.every((q) => (state.callbacks[q] || []).length === 0);
}"""


def wait_for_dash_idle(page, timeout: float = 30_000) -> None:
    """Wait until Dash has no callback left to request, run or apply."""
    page.wait_for_function(DASH_IDLE, polling="raf", timeout=timeout)


#: A plotly figure drawn at the size of its container: its layers' boxes, its trace
#: colours. ``null`` while plotly has not drawn, is in a transition, or has not yet
#: redrawn at the size its container now has (``dcc.Graph`` debounces that redraw).
PLOT_READING = """(selector) => {
  const gd = document.querySelector(selector + ' .js-plotly-plot');
  if (!gd || !gd._fullLayout || gd._transitioning) { return null; }
  const layout = gd._fullLayout;
  const box = gd.getBoundingClientRect();
  if (Math.abs(layout.width - box.width) > 1 || Math.abs(layout.height - box.height) > 1) {
    return null;
  }
  const rect = (el) => {
    const b = el.getBoundingClientRect();
    return [b.left, b.top, b.width, b.height].map((v) => Math.round(v * 10) / 10);
  };
  let fills = 0;
  for (const path of gd.querySelectorAll('.trace path')) {
    for (const c of path.style.fill) { fills = (fills * 31 + c.charCodeAt(0)) | 0; }
  }
  return {
    graph: rect(gd),
    layers: [...gd.querySelectorAll('.main-svg > g:not(.hoverlayer)')].map(rect),
    paths: gd.querySelectorAll('.trace path').length,
    fills,
  };
}"""


def wait_for_plot(page, graph: str, timeout: float = 30_000) -> None:
    """Wait until the plotly figure of the ``dcc.Graph`` ``graph`` (a CSS selector) is
    drawn at its container's size and stays so for two animation frames."""
    wait_until_still(page, PLOT_READING, graph, timeout=timeout)


@contextmanager
def layout_run(page, graph_id: str, name: str, timeout: float = 20_000) -> Iterator[None]:
    """Around the action that changes the layout of the Cytoscape graph ``graph_id``: wait,
    after it, until Cytoscape has run the layout ``name`` (its ``fresque`` option) to its
    end. A listener counts the layouts that stop from before the action on."""
    page.evaluate(
        """(id) => {
          const cy = document.getElementById(id)._cyreg.cy;
          window.__fresqueLayouts = [];
          cy.on('layoutstop', (event) => {
            window.__fresqueLayouts.push(event.layout.options.fresque);
          });
        }""",
        graph_id,
    )
    yield
    page.wait_for_function(
        "(name) => window.__fresqueLayouts.includes(name)",
        arg=name,
        polling="raf",
        timeout=timeout,
    )


#: A Cytoscape graph at rest: its viewport, once it has taken its container's size, is no
#: longer animated and (``shown``) has brought that structure into view
#: (``assets/fresque.js`` marks it in the graph's scratch once the animation is over);
#: the page's scroll size, which moves when a panel folds or a dropdown loads.
NETWORK_READING = """(input) => {
  const container = document.getElementById(input.graph);
  const cy = container && container._cyreg && container._cyreg.cy;
  if (!cy || cy.animated()) { return null; }
  if (input.shown !== null && cy.scratch('fresqueShown') !== input.shown) { return null; }
  if (cy.width() !== container.clientWidth || cy.height() !== container.clientHeight) {
    return null;
  }
  const box = container.getBoundingClientRect();
  const page = document.documentElement;
  return {
    zoom: cy.zoom(),
    pan: cy.pan(),
    box: [box.left, box.top, box.width, box.height],
    page: [page.scrollWidth, page.scrollHeight],
  };
}"""


def wait_for_network(page, graph_id: str, shown: str | None = None, timeout: float = 30_000):
    """Wait until the Cytoscape graph ``graph_id`` is at rest (see :data:`NETWORK_READING`)
    and Dash is idle, both for two animation frames."""
    wait_until_still(
        page,
        f"(input) => ({DASH_IDLE})() && ({NETWORK_READING})(input)",
        {"graph": graph_id, "shown": shown},
        timeout=timeout,
    )
