"""The Atelier page's component ids (the form's fields among them), shared by its
views and callbacks."""

from __future__ import annotations

#: The page's name in the app's paths.
PAGE = "atelier"
#: The ``vue`` of the projector board in a screen's URL (``/atelier?vue=tableau``).
BOARD_VIEW = "tableau"

# --- component ids -----------------------------------------------------------------------
URL = "atl-url"
LANG = "atl-lang"
CONTENT = "atl-content"
SAVED = "atl-saved"
# join / create
JOIN_CODE = "atl-join-code"
JOIN_NICK = "atl-join-nick"
JOIN_GO = "atl-join-go"
JOIN_ERROR = "atl-join-error"
CREATE_NAME = "atl-create-name"
CREATE_BASE = "atl-create-base"
CREATE_REGION = "atl-create-region"
CREATE_MODERATION = "atl-create-moderation"
CREATE_KEY = "atl-create-key"
CREATE_GO = "atl-create-go"
CREATE_ERROR = "atl-create-error"
# participant
P_TICK = "atl-p-tick"
P_VERSION = "atl-p-version"
#: What the phone shows (card keys, its edits, head, links): live redraws send only changes.
P_SHOWN = "atl-p-shown"
P_HEAD = "atl-p-head"
P_CARDS = "atl-p-cards"
P_EDITING = "atl-p-editing"
P_FORM_TITLE = "atl-p-form-title"
P_SAVE = "atl-p-save"
P_CANCEL = "atl-p-cancel"
P_MESSAGE = "atl-p-message"
P_EDIT = "atl-edit"  # pattern type, id: the card's id
P_SIMILAR = "atl-p-similar"
P_UNDO = "atl-p-undo"  # pattern: seq
P_LOAD = "atl-p-load"  # the card an edit button asked for
F_ERR = "atl-ferr"  # pattern: field (a form field's error line)
L_SOURCE = "atl-l-source"
L_TARGET = "atl-l-target"
L_RELATION = "atl-l-relation"
L_SAVE = "atl-l-save"
L_MESSAGE = "atl-l-message"
L_CANCEL = "atl-l-cancel"
L_DETAILS = "atl-l-details"
L_EDITING = "atl-l-editing"  # the link being edited: {"id", "version"}
L_LOAD = "atl-l-load"  # the link an edit button asked for
L_MINE = "atl-l-mine"
L_EDIT = "atl-l-edit"  # pattern: id (a link of mine)
# removing one's own cards and links, with a confirmation
P_REMOVE = "atl-p-remove"  # pattern: what ("card" / "link"), id, version
P_ASKED = "atl-p-asked"  # what the confirmation is about: {"what", "id", "version"}
P_CONFIRM = "atl-p-confirm"
P_CONFIRM_TEXT = "atl-p-confirm-text"
P_CONFIRM_YES = "atl-p-confirm-yes"
P_CONFIRM_NO = "atl-p-confirm-no"
P_REMOVED = "atl-p-removed"  # the outcome of a removal
# --- issue 13, the phone's save that says what happened (h-phone) ---------------------
#: The save being sent, set in the browser before the request: ``{"key", "at"}`` (the
#: submission key stays the same for every retry until the server answers it).
P_SUBMIT = "atl-p-submit"
P_ACK = "atl-p-ack"  # the submission key the server answered last
P_UNSAVED = "atl-p-unsaved"  # "Non enregistré", with its retry button
P_RETRY = "atl-p-retry"
P_CONFLICT = "atl-p-conflict"  # someone changed the card meanwhile: their version
P_CONFLICT_TEXT = "atl-p-conflict-text"
P_KEEP_MINE = "atl-p-keep-mine"  # save one's own on the current version
P_SIMILAR_FOUND = "atl-p-similar-found"  # {"name", "children"}: shown while the name is
OFFLINE = "atl-offline"  # the live poll's "connection lost" notice (every view)
#: The card form's fields: (form field, component id).
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "atl-f-name"),
    ("kind", "atl-f-kind"),
    ("dispositifs", "atl-f-dispositifs"),
    ("stages", "atl-f-stages"),
    ("themes", "atl-f-themes"),
    ("territory_level", "atl-f-level"),
    ("territory_codes", "atl-f-territories"),
    ("website", "atl-f-website"),
    ("description", "atl-f-description"),
)
FIELD_ID = dict(FIELDS)
LIST_FIELDS = ("dispositifs", "stages", "themes", "territory_codes")
# board
B_TICK = "atl-b-tick"
B_VERSION = "atl-b-version"
B_GRAPH = "atl-b-graph"
B_MAP = "atl-b-map"
B_MAP_SHOWN = "atl-b-map-shown"  # which figure the board shows (its values)
B_RECENT = "atl-b-recent"
B_COUNT = "atl-b-count"
# facilitator
F_TICK = "atl-fa-tick"
F_VERSION = "atl-fa-version"
F_STATE = "atl-fa-state"
F_PENDING = "atl-fa-pending"
F_SHOWN = "atl-fa-shown"  # fingerprint of each live list the panel shows
F_DUPLICATES = "atl-fa-duplicates"
F_LOG = "atl-fa-log"
F_MESSAGE = "atl-fa-message"
F_MODERATE = "atl-moderate"  # pattern: seq, decision
F_MERGE = "atl-merge"  # pattern: keep, merge
F_UNDO = "atl-undo"  # pattern: seq
PH_NAME = "atl-ph-name"
PH_KINDS = "atl-ph-kinds"
PH_LINKS = "atl-ph-links"
PH_SAVE = "atl-ph-save"
F_STATUS = "atl-fa-status"
F_VIEWER = "atl-fa-viewer"
F_VIEWER_LINK = "atl-fa-viewer-link"
F_EXPORT_XLSX = "atl-fa-export-xlsx"
F_EXPORT_JSON = "atl-fa-export-json"
F_DOWNLOAD = "atl-fa-download"
# issue 13, export hygiene: why an export gave nothing, beside the export buttons
F_EXPORT_MESSAGE = "atl-fa-export-message"
F_MEMBERS = "atl-fa-members"
F_ACCEPT_ALL = "atl-fa-accept-all"
F_MERGE_PREVIEW = "atl-fa-merge-preview"
F_MERGE_CONFIRM = "atl-fa-merge-confirm"
F_MERGE_DIFF = "atl-fa-merge-diff"
F_MERGE_SEEN = "atl-fa-merge-seen"  # fingerprint of the diff the facilitator was shown
# facilitator: the members (issue 13, the join door; fresque/app/pages/atelier/members.py)
M_PICK = "atl-m-pick"
M_AFTER = "atl-m-after"
M_ALL = "atl-m-all"
M_NONE = "atl-m-none"
M_ACTION = "atl-m-action"  # pattern: action ("remove", "suspend", "restore")
M_CONFIRM = "atl-m-confirm"
M_CONFIRM_TEXT = "atl-m-confirm-text"
M_YES = "atl-m-yes"
M_NO = "atl-m-no"
M_ASKED = "atl-m-asked"  # {"action", "ids"}: what the confirmation is about
M_MESSAGE = "atl-m-message"
M_SHOWN = "atl-m-shown"  # fingerprint of the options the tick list shows
# this device (issue 13, screen tokens): leave the workshop, open the panel elsewhere
LEAVE = "atl-leave"
OTHER_DEVICE = "atl-other-device"
OTHER_DEVICE_LINK = "atl-other-device-link"
