"""The facilitator removes a scripted flood in one action (issue 13, the join door):
ticks "everyone since" the first robot, keeps the ticks while someone else joins, reads
the confirmation, confirms; the robots' links stop working, the others stay.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from browser.atelier_pages import atelier_app, open_as
from browser.dropdowns import choose

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    with atelier_app(tmp_path_factory.mktemp("atelier-members")) as found:
        yield found


def test_facilitator_removes_a_flood_in_one_action(atelier, browser):
    from fresque.store.errors import InvalidToken

    base, service = atelier
    ws, token = service.create_workshop("Portes ouvertes", base="vide")
    service.join(ws.code, "Alice")
    robots = [service.join(ws.code, f"robot{i}") for i in range(5)]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        open_as(page, base, token)
        picks = page.locator("#atl-m-pick input[type=checkbox]")
        expect(picks).to_have_count(6)
        expect(page.locator("#atl-fa-members")).to_contain_text("Actifs : 6")
        choose(page, "atl-m-after", "robot0 puis 4 autres")
        checked = page.locator("#atl-m-pick input[type=checkbox]:checked")
        expect(checked).to_have_count(5)
        # Someone joins while the facilitator reads: the list grows, the ticks stay.
        service.join(ws.code, "Bruno")
        expect(picks).to_have_count(7, timeout=10_000)
        expect(checked).to_have_count(5)
        page.get_by_role("button", name="Retirer les cochés").click()
        dialog = page.locator("#atl-m-confirm")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(
            "Retirer ces participants (5 en tout : robot0, robot1, robot2"
        )
        expect(dialog).to_contain_text("leurs contributions restent")
        page.get_by_role("button", name="Oui, retirer").click()
        expect(page.locator("#atl-m-message")).to_have_text("Retirés : 5.")
        expect(dialog).to_be_hidden()
        expect(picks).to_have_count(2, timeout=10_000)
        expect(page.locator("#atl-m-pick")).to_contain_text("Alice")
        expect(page.locator("#atl-m-pick")).to_contain_text("Bruno")
        expect(page.locator("#atl-fa-members")).to_contain_text("Actifs : 2")
        expect(page.locator("#atl-fa-members")).to_contain_text("retirés : 5")
        with pytest.raises(InvalidToken, match="retiré"):
            service.me(robots[0])
        # Nothing ticked: the panel says what to do first.
        page.get_by_role("button", name="Suspendre les cochés").click()
        expect(page.locator("#atl-m-message")).to_have_text(
            "Cochez d’abord les participants concernés."
        )
        assert errors == []
    finally:
        context.close()
