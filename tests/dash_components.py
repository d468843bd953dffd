"""What a Dash callback sends, read as the browser receives it: for tests that look at
the components a view or a callback builds, without a browser."""

from __future__ import annotations

import json
from collections.abc import Iterator


def sent(component) -> object:
    """``component`` as the browser receives it (JSON: cached list items are dicts)."""
    from plotly.io.json import to_json_plotly

    return json.loads(to_json_plotly(component))


def nodes_in(component) -> list[dict]:
    """Every component (as sent) in ``component``, depth first."""

    def walk(node) -> Iterator[dict]:
        if isinstance(node, list):
            for child in node:
                yield from walk(child)
        elif isinstance(node, dict) and "props" in node:
            yield node
            yield from walk(node["props"].get("children"))

    return list(walk(sent(component)))


def texts_in(component) -> str:
    """Every text of ``component``, joined by spaces (no-break spaces as spaces)."""
    texts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "props" in node:
            walk(node["props"].get("children"))

    walk(sent(component))
    return " ".join(texts).replace("\xa0", " ")
