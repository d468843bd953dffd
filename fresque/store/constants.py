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
    A role in French: the holders as a group, one holder.
KIND_LABELS
    Every kind of event in French.
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
    Role.FACILITATOR: "l’animation",
    Role.PARTICIPANT: "les participants",
    Role.VIEWER: "les spectateurs",
    Role.SCREEN: "les écrans partagés",
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
    EXPORT: "export",
    MERGE_DATASET: "versement dans le jeu de données",
}
