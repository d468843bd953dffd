"""The app's pages. Each module exposes ``layout(state, lang)`` (``state=None`` gives the
light skeleton Dash validates callbacks against) and ``register_callbacks(app)``.
"""

from __future__ import annotations

from types import ModuleType

from fresque.app.pages import atelier, carte, orientation, reseau

#: Page modules by name, in navigation order (the names of :data:`fresque.app.state.PAGES`).
PAGE_MODULES: dict[str, ModuleType] = {
    "reseau": reseau,
    "carte": carte,
    "orientation": orientation,
    "atelier": atelier,
}

__all__ = ["PAGE_MODULES"]
