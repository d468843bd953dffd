"""Picking options of Dash 4's ``dcc.Dropdown`` in a Playwright page, as a person does.

The list opens in a popover that is rebuilt when the page redraws the dropdown (a new
value, new options): a click that lands during that redraw opens nothing, or a list
that closes under the cursor. :func:`choose` therefore checks the list is open and
shows the option before it clicks, and when it is not, closes the list, waits until it
is gone and opens it again.
"""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

CONTENT = ".dash-dropdown-content"


def choose(page, dropdown_id: str, text: str, attempts: int = 3) -> None:
    """Open the dropdown ``dropdown_id``, type ``text`` in its search box and click the
    first option that contains it; close the list if it stays open (multi-select)."""
    last: Exception | None = None
    for _ in range(attempts):
        try:
            page.click(f"#{dropdown_id}")
            content = page.locator(CONTENT).last
            content.wait_for(state="visible", timeout=5_000)
            search = content.locator(".dash-dropdown-search")
            if search.count():
                search.first.fill(text)
            option = content.locator("[role=option]", has_text=text).first
            option.wait_for(state="visible", timeout=10_000)
            option.click()
        except PlaywrightError as error:  # the list closed or was rebuilt: open it again
            last = error
            if page.locator(CONTENT).count():
                page.keyboard.press("Escape")
            # Open it again once the closing list has left the page.
            expect(page.locator(CONTENT)).to_have_count(0, timeout=5_000)
            continue
        if page.locator(CONTENT).count():
            page.keyboard.press("Escape")
        return
    raise AssertionError(f"no option {text!r} in #{dropdown_id} after {attempts} tries: {last}")
