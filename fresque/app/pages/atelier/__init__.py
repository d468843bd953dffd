"""Atelier: the live workshop (join, participant forms, projector board, facilitator panel).

The page keeps no state in the process: the device's secret token travels in an
HttpOnly, ``SameSite=Strict`` cookie, never in an address (:mod:`~fresque.app.pages.
atelier.session`), and every callback asks :class:`~fresque.store.WorkshopService`,
which checks the token's role on the server before it reads or writes anything. The
service is created once per process, on first use (``FRESQUE_DATABASE_URL`` or the SQLite
file ``var/fresque.db``); tests install their own with :func:`install_service`.

Tokens and addresses: joining and creating set the cookie (``/atelier`` then shows the
member's screen); a link that hands a token to another device puts it in the fragment,
``/atelier/entrer#t=TOKEN`` (``?vue=tableau`` for the board), never sent to the server nor
written in a log: the entry page posts it to ``/_atelier/session`` for the cookie and
replaces itself with ``/atelier``. A projector's screen token has its own cookie, so that
the facilitator's laptop holds its panel (``/atelier``) and the board
(``/atelier?vue=tableau``). "Quitter cet atelier sur cet appareil" clears both.

Who sees what (from the token's role):

- no token: join with the short code and a nickname; create a workshop (facilitators);
- participant: the mobile-first card form (pick lists, territory autocomplete), the
  workshop's cards with an edit button (version checked: a conflict keeps the
  participant's own changes in the form, shows the other's version beside it, and
  "Enregistrer ma version" saves them on it) and, on the cards one added, a remove
  button; a link form with "my links", each
  editable and removable. A removal asks for a confirmation first (a sheet at the
  bottom of the screen that takes the keyboard focus); if the card or link changed
  meanwhile, the sheet shows its current value and asks again on that version;
- facilitator: the panel (phase, moderation, duplicates and merge, undo from the audit
  log, the members: counts of active, suspended and removed ones, several ticked then
  removed or suspended at once, close / reopen, export, links for other screens, and the
  merge of a closed workshop into the curated dataset: a diff in words, field by field,
  then a confirmation, refused when the diff changed since it was shown), its own link
  for another device (shown on demand) and, with ``?vue=tableau``, the projector board.
  « À modérer » is there under pre-moderation only; otherwise the merge section counts
  the edits not accepted yet (only accepted ones are merged). A log line shows its
  status only when rejected, or pending under pre-moderation. The board's « Vient
  d’arriver » lists the edits that count: not undone, not rejected and, under
  pre-moderation, accepted;
- screen (the panel's board link, "Créer un lien pour un autre écran"): the board with
  the join code and its QR code, nothing else; a device that only opened a screen is
  offered the board back, never the panel;
- viewer: the board, read only.

Saving says what happened (:mod:`~fresque.app.pages.atelier.saving`): a save leaves
the browser with a submission key and clears the earlier success banner at once; a save
that gets no answer shows "Non enregistré" with "Réessayer", the form kept, and a retry
sends the same key, so that a save written before its answer was lost is never made
twice. After a save the form resets its warnings ("Existe peut-être déjà" shows only for
the name in the box).

Live: every view holds a ``dcc.Interval`` (:data:`POLL_MS` on phones, :data:`SCREEN_POLL_MS`
on the board and the panel) whose clientside callback
asks the bare route :data:`VERSION_PATH` for the workshop's version, and re-renders only
when it moved; while the route cannot be reached, "Connexion perdue, nouvel essai…"
shows and the polls back off, until the first answer hides it. A phone's redraw is
cheap because hundreds of phones redraw at every edit: it reads the service's
per-version snapshot of the cards and only the phone's own events
(:meth:`~fresque.store.WorkshopService.reader`), builds the rows of the few cards it
shows (cached list items), and sends only what changed against what the phone says it
shows (``atl-p-shown``): nothing, or a patch of the rows that moved. The
link pick lists are filled as one types (never every card).

The shell's language link knows nothing of the board view: on the board a clientside
callback puts ``vue=tableau`` back into it, so that switching language leaves the
projector on its screen (the token stays in the cookie).

The join door: the join callback gives the store the client's address
(:func:`~fresque.app.pages.atelier.access.client_address`), which limits joins per
address and workshop, per workshop, and wrong codes per address, counted in the database
(:mod:`fresque.store.door`); a refusal says in how many seconds to retry. "Just added"
marks compare with the database's time (:meth:`~fresque.store.WorkshopService.now`).

Every write comes from the site's own pages (:mod:`fresque.app.origin`). Creating a
workshop from the page is allowed with the key set in the environment variable
``FRESQUE_FACILITATOR_KEY`` or, without it, only from the machine serving the app with
nothing in between (loopback peer, no forwarding header, no ``FRESQUE_TRUSTED_PROXIES``:
behind a proxy every visitor looks local). :func:`~fresque.app.pages.atelier.access.
client_address` is the client's address (from a trusted proxy's ``X-Forwarded-For``).
``FRESQUE_PUBLIC_URL`` sets the address the join QR code points to (by default, the
address the facilitator's browser used).

The package, one concern a module:

- :mod:`~fresque.app.pages.atelier.page`: the layout, the view a URL asks for, the
  language link;
- :mod:`~fresque.app.pages.atelier.ids`: the component ids;
- :mod:`~fresque.app.pages.atelier.access`: the service, the device's token (its
  cookies), the client's address, store refusals;
- :mod:`~fresque.app.pages.atelier.session`: the token cookies, the entry page and its
  session route, the panel's board link, leaving the workshop on a device;
- :mod:`~fresque.app.pages.atelier.pieces`: what the views share (the workshop's head);
- :mod:`~fresque.app.pages.atelier.join`: join, create, resume;
- :mod:`~fresque.app.pages.atelier.phone`: the participant's phone and its live redraw;
- :mod:`~fresque.app.pages.atelier.phone_lists`: the phone's cards, links and edits;
- :mod:`~fresque.app.pages.atelier.phone_forms`: the card and link forms;
- :mod:`~fresque.app.pages.atelier.saving`: what a save sends and says (submission key,
  "Non enregistré", a conflict's two versions);
- :mod:`~fresque.app.pages.atelier.removal`: removing one's own, after a confirmation;
- :mod:`~fresque.app.pages.atelier.board`: the projector board;
- :mod:`~fresque.app.pages.atelier.facilitator`: the facilitator's panel;
- :mod:`~fresque.app.pages.atelier.members`: the panel's members (counts, bulk removal
  and suspension, with a confirmation);
- :mod:`~fresque.app.pages.atelier.export`: the export (a failed one is a message on the
  panel, never an HTTP 500), the merge into the curated dataset;
- :mod:`~fresque.app.pages.atelier.live`: the poll and its version route.
"""

from __future__ import annotations

import dash
from dash import no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier import (
    board,
    export,
    facilitator,
    join,
    live,
    members,
    page,
    phone,
    phone_forms,
    removal,
    saving,
    session,
)
from fresque.app.pages.atelier.access import (
    EXTENSION,
    _may_create,
    _store_refusals_change_nothing,
    install_service,
    service,
)
from fresque.app.pages.atelier.board import board_view
from fresque.app.pages.atelier.export import diff_view, merge_fingerprint
from fresque.app.pages.atelier.facilitator import facilitator_view
from fresque.app.pages.atelier.ids import (
    B_GRAPH,
    B_VERSION,
    BOARD_VIEW,
    F_MERGE_CONFIRM,
    F_MERGE_DIFF,
    F_MERGE_PREVIEW,
    F_MERGE_SEEN,
    F_PENDING,
    F_VERSION,
    FIELD_ID,
    FIELDS,
    JOIN_CODE,
    L_CANCEL,
    L_DETAILS,
    L_EDIT,
    L_EDITING,
    L_LOAD,
    L_MINE,
    P_ASKED,
    P_CONFIRM,
    P_CONFIRM_NO,
    P_CONFIRM_YES,
    P_REMOVE,
    P_REMOVED,
    P_VERSION,
    PAGE,
)
from fresque.app.pages.atelier.join import join_view
from fresque.app.pages.atelier.live import (
    POLL_MS,
    SCREEN_POLL_MS,
    VERSION_PATH,
    VersionRoute,
    install_version_route,
    workshop_version,
)
from fresque.app.pages.atelier.page import layout, render
from fresque.app.pages.atelier.phone import participant_redraw, participant_view
from fresque.app.pages.atelier.phone_forms import field_errors
from fresque.app.pages.atelier.phone_lists import _card_list, _link_options, _my_links
from fresque.app.pages.atelier.removal import removal_conflict, removal_question
from fresque.app.payload import plain, plain_outputs
from fresque.model import Kind


def register_callbacks(app: dash.Dash) -> None:
    """Attach the Atelier page's callbacks to ``app`` (in the order Dash lists them)."""
    page.register_callbacks(app)
    join.register_callbacks(app)
    session.register_callbacks(app)
    phone_forms.register_callbacks(app)
    saving.register_callbacks(app)
    removal.register_callbacks(app)
    page.register_language_link(app)
    live.register_callbacks(app)
    phone.register_callbacks(app)
    board.register_callbacks(app)
    facilitator.register_callbacks(app)
    members.register_callbacks(app)
    export.register_callbacks(app)


# The page's public names, and those tests and benchmarks reach as ``atelier.<name>`` (the
# other component ids are in :mod:`~fresque.app.pages.atelier.ids`).
__all__ = [
    "BOARD_VIEW",
    "B_GRAPH",
    "B_VERSION",
    "EXTENSION",
    "FIELDS",
    "FIELD_ID",
    "F_MERGE_CONFIRM",
    "F_MERGE_DIFF",
    "F_MERGE_PREVIEW",
    "F_MERGE_SEEN",
    "F_PENDING",
    "F_VERSION",
    "JOIN_CODE",
    "L_CANCEL",
    "L_DETAILS",
    "L_EDIT",
    "L_EDITING",
    "L_LOAD",
    "L_MINE",
    "PAGE",
    "POLL_MS",
    "P_ASKED",
    "P_CONFIRM",
    "P_CONFIRM_NO",
    "P_CONFIRM_YES",
    "P_REMOVE",
    "P_REMOVED",
    "P_VERSION",
    "SCREEN_POLL_MS",
    "VERSION_PATH",
    "Kind",
    "PreventUpdate",
    "VersionRoute",
    "_card_list",
    "_link_options",
    "_may_create",
    "_my_links",
    "_store_refusals_change_nothing",
    "board_view",
    "diff_view",
    "facilitator_view",
    "field_errors",
    "install_service",
    "install_version_route",
    "join_view",
    "layout",
    "merge_fingerprint",
    "no_update",
    "participant_redraw",
    "participant_view",
    "plain",
    "plain_outputs",
    "register_callbacks",
    "removal_conflict",
    "removal_question",
    "render",
    "service",
    "workshop_version",
]
