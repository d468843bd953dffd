"""The store's vocabulary: roles, moderation, statuses, event kinds and limits.

Everything here is shared by the modules of :class:`~fresque.store.service.WorkshopService`
and by the records it returns (:mod:`fresque.store.results`); the kinds of the events
that change cards and links live with their replay, in :mod:`fresque.store.replay`.

Attributes
----------
CODE_ALPHABET
    The characters of join codes.
PENDING, ACCEPTED, REJECTED
    The moderation status of an edit.
OPEN, CLOSED, MERGED
    The status of a workshop.
ROLE_LABELS, ROLE_SINGULAR
    A role in French: the holders as a group after « réservé » (« aux participants »),
    one holder.
KIND_LABELS
    Every kind of event in French.
MAX_MEMBERS
    Seats of a workshop: its active participants (a suspended or removed one frees a seat).
JOIN_WINDOW, JOIN_PER_ADDRESS, JOIN_PER_WORKSHOP, JOIN_FAILURES_PER_ADDRESS
    The join door (:mod:`fresque.store.door`): at most ``JOIN_PER_ADDRESS`` attempts to
    join one workshop from one client address, ``JOIN_PER_WORKSHOP`` from all addresses,
    and ``JOIN_FAILURES_PER_ADDRESS`` wrong codes from one address, in any
    ``JOIN_WINDOW`` seconds (a sliding window, counted in the database).
"""

from __future__ import annotations

from enum import StrEnum

from fresque.store.replay import (
    ADD_LINK,
    ADD_STRUCTURE,
    EDIT_LINK,
    EDIT_STRUCTURE,
    MERGE,
    REMOVE_LINK,
    REMOVE_STRUCTURE,
    STATE_KINDS,
)

#: Join codes use these 31 characters: no 0/O, 1/I/L that read alike on a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NAME_MAX = 200
MAX_MEMBERS = 2000
# --- the join door (issue 13): sized so that 300 people joining from ONE venue address
# (NAT, shared Wi-Fi) get in within two minutes, while a script's 1,000 joins in seconds
# get 150 seats at most, which the facilitator removes in one action.
JOIN_WINDOW = 60
JOIN_PER_ADDRESS = 150
JOIN_PER_WORKSHOP = 300
#: Wrong join codes per address: 30 a minute makes guessing one of 31**6 codes hopeless,
#: and leaves room for a venue's typos.
JOIN_FAILURES_PER_ADDRESS = 30
#: Join attempts older than this (seconds) are deleted as new ones come.
JOIN_ATTEMPTS_KEPT = 600
#: How often (seconds) a process reads the database's clock again for its "now".
CLOCK_REFRESH = 30
DEFAULT_RATE_LIMIT = 30
DEFAULT_RATE_WINDOW = 60

CREATE = "create"
JOIN = "join"
VIEWER_LINK = "viewer_link"
#: A display-only link for the projector or a shared screen (issue 13, screen tokens).
SCREEN_LINK = "screen_link"
UNDO = "undo"
MODERATE = "moderate"
PHASE = "phase"
CLOSE = "close"
REOPEN = "reopen"
BLOCK = "block"
REMOVE_MEMBERS = "remove_members"
EXPORT = "export"
MERGE_DATASET = "merge_dataset"
#: Events a participant's rate limit counts.
COUNTED_KINDS = frozenset(STATE_KINDS | {UNDO})

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
OPEN, CLOSED, MERGED = "open", "closed", "merged"


class Role(StrEnum):
    """What a token lets its holder do."""

    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    VIEWER = "viewer"
    #: A projector or shared screen: reads what a viewer reads, shows the join code,
    #: writes nothing (:meth:`~fresque.store.WorkshopService.create_screen_link`).
    SCREEN = "screen"


class Moderation(StrEnum):
    """When edits show on the board: at once (``post``) or once accepted (``pre``)."""

    PRE = "pre"
    POST = "post"


ROLE_LABELS = {
    Role.FACILITATOR: "à l’animation",
    Role.PARTICIPANT: "aux participants",
    Role.VIEWER: "aux spectateurs",
    Role.SCREEN: "aux écrans partagés",
}
ANYONE = frozenset(Role)
WRITERS = frozenset({Role.FACILITATOR, Role.PARTICIPANT})
FACILITATORS = frozenset({Role.FACILITATOR})

ROLE_SINGULAR = {
    Role.FACILITATOR: "l’animation",
    Role.PARTICIPANT: "participant",
    Role.VIEWER: "spectateur",
    Role.SCREEN: "un écran partagé",
}


def reserved_to(roles: frozenset[Role]) -> str:
    """Who may do something, in French after « réservé » (roles in a fixed order).

    Examples
    --------
    >>> reserved_to(frozenset({Role.PARTICIPANT, Role.FACILITATOR}))
    'à l’animation ou aux participants'
    >>> reserved_to(frozenset(Role))
    'à l’animation, aux participants, aux spectateurs ou aux écrans partagés'
    """
    words = [ROLE_LABELS[r] for r in Role if r in roles]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " ou " + words[-1]


KIND_LABELS = {
    CREATE: "création de l’atelier",
    JOIN: "arrivée",
    VIEWER_LINK: "lien de lecture",
    SCREEN_LINK: "lien d’écran partagé",
    ADD_STRUCTURE: "ajout de structure",
    EDIT_STRUCTURE: "modification de structure",
    REMOVE_STRUCTURE: "retrait de structure",
    ADD_LINK: "ajout de lien",
    EDIT_LINK: "modification de lien",
    REMOVE_LINK: "retrait de lien",
    MERGE: "fusion de doublons",
    UNDO: "annulation",
    MODERATE: "modération",
    PHASE: "phase",
    CLOSE: "clôture",
    REOPEN: "réouverture",
    BLOCK: "suspension",
    REMOVE_MEMBERS: "retrait de participants",
    EXPORT: "export",
    MERGE_DATASET: "versement dans le jeu de données",
}
