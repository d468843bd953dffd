"""What the Carte page's browser tests share: the plotly graph, the fills of the
territories, waiting for the map, clicking a territory, the panel's title."""

from __future__ import annotations

from browser.settle import wait_for_plot

GD = "document.querySelector('#map-graph .js-plotly-plot')"
SHOTS = "/tmp/fresque_carte_{name}_{width}.png"

FILLS = """() => Object.fromEntries([...document.querySelectorAll('path.choroplethlocation')]
  .map(p => [p.__data__.loc, getComputedStyle(p).fill]))"""


def wait_for_map(page, count: int | None = None) -> None:
    page.wait_for_function(
        "(n) => { const p = document.querySelectorAll('path.choroplethlocation');"
        " return n === null ? p.length > 0 : p.length === n; }",
        arg=count,
        timeout=30_000,
    )
    wait_for_plot(page, "#map-graph")


def click_territory(page, code: str) -> None:
    box = page.evaluate(
        """(code) => {
          const p = [...document.querySelectorAll('path.choroplethlocation')]
            .find(p => p.__data__.loc === code);
          const b = p.getBoundingClientRect();
          return {x: b.left + b.width / 2, y: b.top + b.height / 2};
        }""",
        code,
    )
    page.mouse.click(box["x"], box["y"])


def detail_title(page, text: str) -> None:
    page.wait_for_function(
        "(text) => { const h = document.getElementById('map-detail-title');"
        " return h && h.innerText === text; }",
        arg=text,
        timeout=20_000,
    )


def trace_points(page, name: str) -> int:
    return page.evaluate(
        f"(name) => {{ const t = {GD}.data.find(t => t.name === name);"
        " return t.lon.filter(v => v !== null).length; }",
        name,
    )
