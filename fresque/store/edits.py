"""Participants' and facilitators' edits: cards and links added, changed, removed, undone.

Holds :class:`EditingMixin`, the part of :class:`~fresque.store.service.WorkshopService`
that checks an edit against the phase (which kinds of cards, whether links are open)
and against the version it was made on (a :class:`~fresque.store.errors.ConflictError`
carrying the current value otherwise), writes it and logs it; and undoes any edit.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from fresque.i18n import label
from fresque.model import Kind, Link, Structure, slugify
from fresque.store import forms
from fresque.store.constants import (
    KIND_LABELS,
    REJECTED,
    ROLE_SINGULAR,
    UNDO,
    WRITERS,
    Role,
)
from fresque.store.db import read_transaction
from fresque.store.errors import (
    ConflictError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from fresque.store.replay import (
    ADD_LINK,
    ADD_STRUCTURE,
    EDIT_LINK,
    EDIT_STRUCTURE,
    REMOVE_LINK,
    REMOVE_STRUCTURE,
    STATE_KINDS,
    link_data,
    structure_data,
)
from fresque.store.results import Card, LinkCard
from fresque.store.schema import events, links, members, structures
from fresque.store.state import WriteContext

__all__ = ["SUBMISSION_PATTERN", "EditingMixin", "submission_key"]

#: What a submission key looks like: what a browser's ``crypto.randomUUID()`` gives, or
#: any 8 to 64 letters, digits, ``-`` and ``_``.
SUBMISSION_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def submission_key(key: Any) -> str | None:
    """The submission key a save came with, checked (``None``: a save without one).

    A phone makes one key per form it sends and sends it again with every retry of that
    form: the store keeps it with the event the save wrote, and a save that comes back
    with a key already written returns that first save's result instead of writing again.

    Raises
    ------
    InvalidInput
        When the key is not text of 8 to 64 letters, digits, ``-`` or ``_``.

    Examples
    --------
    >>> submission_key("0f8b6c2e-4d1a-4e7b-9c3f-5a6d7e8f9a0b")
    '0f8b6c2e-4d1a-4e7b-9c3f-5a6d7e8f9a0b'
    >>> submission_key(None) is None
    True
    >>> submission_key("a b")
    Traceback (most recent call last):
    ...
    fresque.store.errors.InvalidInput: clé d’envoi invalide : rechargez la page, puis réessayez
    """
    if key is None:
        return None
    if not isinstance(key, str) or not SUBMISSION_PATTERN.fullmatch(key):
        raise InvalidInput("clé d’envoi invalide : rechargez la page, puis réessayez")
    return key


class EditingMixin:
    """Add, edit, remove and undo cards and links (a mixin of
    :class:`~fresque.store.service.WorkshopService`)."""

    # --- what the phase opens ----------------------------------------------------------

    @staticmethod
    def _check_kind(ctx: WriteContext, *kinds: str | None) -> None:
        """A participant may only touch cards of the kinds the phase opens."""
        allowed = ctx.ws["phase_kinds"]
        if ctx.role is not Role.PARTICIPANT or allowed is None:
            return
        for kind in kinds:
            if kind is not None and kind not in allowed:
                opened = ", ".join(label(Kind(k)) for k in allowed) or "aucun type"
                phase = (
                    f"La phase « {ctx.ws['phase_name']} »"
                    if ctx.ws["phase_name"]
                    else ("La phase en cours")
                )
                raise PermissionDenied(
                    f"Refusé : {phase} n’ouvre pas les cartes « {label(Kind(kind))} » "
                    f"(ouvertes : {opened})."
                )

    @staticmethod
    def _check_links_open(ctx: WriteContext) -> None:
        if ctx.role is Role.PARTICIPANT and not ctx.ws["links_open"]:
            raise PermissionDenied(
                "Refusé : les liens ne sont pas encore ouverts dans cette phase."
            )

    # --- cards ------------------------------------------------------------------------

    @staticmethod
    def _structure_row(conn: Connection, wid: int, sid: str) -> dict[str, Any]:
        row = (
            conn.execute(
                select(structures).where(structures.c.workshop_id == wid, structures.c.sid == sid)
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"Aucune structure « {str(sid)[:64]} » dans cet atelier.")
        return dict(row)

    @staticmethod
    def _live_ids(conn: Connection, wid: int, values: Mapping[str, Any], fields: tuple) -> set[str]:
        """The live cards that the ``fields`` of a form may name (by identifier, or by a
        name that slugifies to one): what the import validation needs to resolve them."""
        wanted = set()
        for name in fields:
            text = values.get(name)
            if isinstance(text, str) and text.strip():
                wanted.add(text.strip()[:200])
                with contextlib.suppress(ValueError):
                    wanted.add(slugify(text))
        if not wanted:
            return set()
        return set(
            conn.execute(
                select(structures.c.sid).where(
                    structures.c.workshop_id == wid,
                    structures.c.deleted.is_(False),
                    structures.c.sid.in_(sorted(wanted)),
                )
            ).scalars()
        )

    @staticmethod
    def _taken_ids(conn: Connection, wid: int, name: str) -> set[str]:
        """Identifiers already used (cards removed since included) that a new card named
        ``name`` could collide with."""
        base = forms.unique_slug(name, ())
        pattern = base.replace("_", "\\_") + "\\_%"
        return set(
            conn.execute(
                select(structures.c.sid).where(
                    structures.c.workshop_id == wid,
                    or_(structures.c.sid == base, structures.c.sid.like(pattern, escape="\\")),
                )
            ).scalars()
        )

    def _last_author(self, conn: Connection, wid: int, target: str) -> str:
        row = conn.execute(
            select(members.c.nickname, members.c.role)
            .select_from(events.join(members, events.c.author_id == members.c.id))
            .where(events.c.workshop_id == wid, events.c.target == target)
            .where(events.c.kind.in_(sorted(STATE_KINDS)))
            .order_by(events.c.seq.desc())
            .limit(1)
        ).first()
        if row is None:
            return "quelqu’un"
        return row.nickname or ROLE_SINGULAR[Role(row.role)]

    def _conflict(
        self,
        conn: Connection,
        wid: int,
        row: Mapping[str, Any],
        expected: int,
        *,
        removing: bool = False,
    ) -> None:
        name = row["data"].get("name", row["sid"])
        doing = "la retiriez" if removing else "l’éditiez"
        if row["deleted"]:
            into = f" (fusionnée dans « {row['merged_into']} »)" if row["merged_into"] else ""
            raise ConflictError(
                f"« {name} » a été retirée de l’atelier{into} pendant que vous {doing}.",
                None,
                row["version"],
            )
        who = self._last_author(conn, wid, row["sid"])
        then = (
            "confirmez à nouveau pour la retirer telle quelle"
            if removing
            else "reprenez votre modification dessus"
        )
        raise ConflictError(
            f"« {name} » a été modifiée par {who} pendant que vous {doing} : "
            f"voici sa valeur actuelle, {then}.",
            Structure.model_validate(row["data"]),
            row["version"],
            author=who,
        )

    def _earlier_answer(self, token: str, key: str | None, kind: str) -> Card | None:
        """The result of the save that came first with submission ``key``, if any, read
        apart from a write: a retry refused (the workshop closed, the rate limit reached,
        the participant suspended since) is still answered when its first send was
        written. A save that is not refused finds it in its own write transaction."""
        if key is None:
            return None
        with read_transaction(self.engine) as conn:
            member = self._member_row(conn, token)
            return self._answer_of(conn, member, key, kind)

    @staticmethod
    def _answer_of(
        conn: Connection, member: Mapping[str, Any], key: str | None, kind: str
    ) -> Card | None:
        """What the save written with submission ``key`` by ``member`` answered: the card
        it added (version 1), or the card its edit gave (fields it did not change as they
        are now)."""
        if key is None:
            return None
        row = conn.execute(
            select(events.c.seq, events.c.kind, events.c.payload, events.c.target).where(
                events.c.workshop_id == member["workshop_id"],
                events.c.author_id == member["id"],
                events.c.submission == key,
            )
        ).first()
        if row is None:
            return None
        if row.kind != kind:
            raise InvalidInput("clé d’envoi déjà utilisée : rechargez la page, puis réessayez")
        if kind == ADD_STRUCTURE:
            return Card(Structure.model_validate(row.payload["data"]), 1, row.seq)
        now = conn.execute(
            select(structures.c.data).where(
                structures.c.workshop_id == member["workshop_id"], structures.c.sid == row.target
            )
        ).scalar_one()
        data = {**now, **row.payload["changes"]}
        return Card(Structure.model_validate(data), row.payload["version"], row.seq)

    def add_structure(
        self, token: str, values: Mapping[str, Any], *, submission: str | None = None
    ) -> Card:
        """Add a card; return it with its identifier (made from the name) and version 1.

        ``values`` are the form's fields (:data:`fresque.store.forms.STRUCTURE_FIELDS`),
        checked like an import row. A participant's card waits for moderation.
        ``submission`` (:func:`submission_key`): a save sent again with the key of one
        that was written returns that first save's card and writes nothing.
        """
        if not isinstance(values, Mapping):
            raise InvalidInput("formulaire invalide")
        key = submission_key(submission)
        try:
            with self._writing(token, WRITERS, "ajouter une structure", edit=True) as ctx:
                earlier = self._answer_of(ctx.conn, ctx.member, key, ADD_STRUCTURE)
                if earlier is not None:  # the first send was written while this one waited
                    return earlier
                problems = forms.check_shape(values, forms.STRUCTURE_FIELDS)
                if problems:
                    raise InvalidInput(problems)
                name = values.get("name")
                if not isinstance(name, str) or not name.strip():
                    raise InvalidInput([forms._problem("name", "", "valeur obligatoire : le nom")])
                sid = forms.unique_slug(name, self._taken_ids(ctx.conn, ctx.wid, name))
                structure = forms.check_structure(
                    values,
                    territories=self.territories,
                    known_ids=self._live_ids(ctx.conn, ctx.wid, values, ("carrier_id",)),
                    sid=sid,
                )
                self._check_kind(ctx, structure.kind.value)
                data = structure_data(structure)
                seq = ctx.next_seq()
                ctx.conn.execute(
                    insert(structures).values(
                        workshop_id=ctx.wid,
                        sid=sid,
                        data=data,
                        base_data=None,
                        deleted=False,
                        version=1,
                        created_by=ctx.member["id"],
                        updated_seq=seq,
                    )
                )
                self._log(
                    ctx,
                    seq,
                    ADD_STRUCTURE,
                    {"id": sid, "data": data},
                    target=sid,
                    moderated=True,
                    submission=key,
                )
                return Card(structure, 1, seq)
        except (RateLimited, PermissionDenied):  # closed since, suspended, too fast:
            # a save sent again after its answer was lost still gets that answer
            earlier = self._earlier_answer(token, key, ADD_STRUCTURE)
            if earlier is None:
                raise
            return earlier

    def edit_structure(
        self,
        token: str,
        sid: str,
        changes: Mapping[str, Any],
        expected_version: int,
        *,
        submission: str | None = None,
    ) -> Card:
        """Change some fields of a card made at ``expected_version``.

        ``submission`` (:func:`submission_key`): an edit sent again with the key of one
        that was written returns that first edit's card, and is no conflict with it.

        Raises
        ------
        ConflictError
            The card changed (or was removed) since that version: nothing was written; the
            error holds the current value and version.
        """
        if not isinstance(changes, Mapping):
            raise InvalidInput("formulaire invalide")
        if "id" in changes:
            raise InvalidInput([forms._problem("id", "", "l’identifiant ne se modifie pas")])
        key = submission_key(submission)
        try:
            with self._writing(token, WRITERS, "modifier une structure", edit=True) as ctx:
                earlier = self._answer_of(ctx.conn, ctx.member, key, EDIT_STRUCTURE)
                if earlier is not None:
                    return earlier
                row = self._structure_row(ctx.conn, ctx.wid, sid)
                if row["deleted"] or row["version"] != expected_version:
                    self._conflict(ctx.conn, ctx.wid, row, expected_version)
                current = row["data"]
                merged = {k: v for k, v in {**current, **changes}.items() if k != "id"}
                structure = forms.check_structure(
                    merged,
                    territories=self.territories,
                    known_ids=self._live_ids(ctx.conn, ctx.wid, merged, ("carrier_id",)),
                    sid=row["sid"],
                )
                self._check_kind(ctx, current["kind"], structure.kind.value)
                data = structure_data(structure)
                diff = {k: v for k, v in data.items() if current.get(k) != v}
                if diff.keys() & {"territory_level", "territory_codes"}:
                    diff["territory_level"] = data["territory_level"]
                    diff["territory_codes"] = data["territory_codes"]
                if not diff:
                    return Card(structure, row["version"], None)
                seq = ctx.next_seq()
                version = row["version"] + 1
                done = ctx.conn.execute(
                    update(structures)
                    .where(
                        structures.c.id == row["id"],
                        structures.c.version == expected_version,
                        structures.c.deleted.is_(False),
                    )
                    .values(data=data, version=version, updated_seq=seq)
                )
                if done.rowcount != 1:  # pragma: no cover - the workshop lock prevents it
                    self._conflict(
                        ctx.conn, ctx.wid, self._structure_row(ctx.conn, ctx.wid, sid), 0
                    )
                payload = {
                    "id": row["sid"],
                    "name": data["name"],
                    "changes": diff,
                    "before": {k: current.get(k) for k in diff},
                    "version": version,
                }
                self._log(
                    ctx,
                    seq,
                    EDIT_STRUCTURE,
                    payload,
                    target=row["sid"],
                    moderated=True,
                    submission=key,
                )
                return Card(structure, version, seq)
        except (RateLimited, PermissionDenied):  # closed since, suspended, too fast:
            # a save sent again after its answer was lost still gets that answer
            earlier = self._earlier_answer(token, key, EDIT_STRUCTURE)
            if earlier is None:
                raise
            return earlier

    def remove_structure(self, token: str, sid: str, expected_version: int) -> int:
        """Remove a card and its links (the facilitator, or the participant who added it);
        return the event number."""
        with self._writing(token, WRITERS, "retirer une structure", edit=True) as ctx:
            row = self._structure_row(ctx.conn, ctx.wid, sid)
            # Who may, before which version: someone else's card is refused whatever
            # version the request names.
            if ctx.role is Role.PARTICIPANT and row["created_by"] != ctx.member["id"]:
                raise PermissionDenied(
                    "Refusé : un participant ne retire que les cartes qu’il a ajoutées ; "
                    "demandez à l’animation."
                )
            self._check_kind(ctx, row["data"]["kind"])
            if row["deleted"] or row["version"] != expected_version:
                self._conflict(ctx.conn, ctx.wid, row, expected_version, removing=True)
            payload = {"id": row["sid"], "name": row["data"]["name"], "before": row["data"]}
            return self._apply_event(
                ctx, REMOVE_STRUCTURE, payload, target=row["sid"], moderated=True
            )

    # --- links ------------------------------------------------------------------------

    @staticmethod
    def _link_row(conn: Connection, wid: int, lid: int) -> dict[str, Any]:
        row = (
            conn.execute(select(links).where(links.c.workshop_id == wid, links.c.id == int(lid)))
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"Aucun lien n° {lid} dans cet atelier.")
        return dict(row)

    def _link_conflict(self, row: Mapping[str, Any], *, removing: bool = False) -> None:
        data = row["data"]
        shown = f"{data['source']} → {data['target']}"
        doing = "le retiriez" if removing else "l’éditiez"
        if row["deleted"]:
            raise ConflictError(
                f"Le lien {shown} a été retiré pendant que vous {doing}.", None, row["version"]
            )
        then = (
            "confirmez à nouveau pour le retirer tel quel"
            if removing
            else "reprenez votre modification dessus"
        )
        raise ConflictError(
            f"Le lien {shown} a été modifié pendant que vous {doing} : "
            f"voici sa valeur actuelle, {then}.",
            Link.model_validate(data),
            row["version"],
        )

    def _check_link_kinds(self, ctx: WriteContext, *ends: str) -> None:
        """A participant may only touch links whose two ends are cards of the kinds the
        phase opens (the ends a link has now, and those an edit gives it)."""
        if ctx.role is not Role.PARTICIPANT or ctx.ws["phase_kinds"] is None:
            return
        for end in dict.fromkeys(ends):
            self._check_kind(ctx, self._structure_row(ctx.conn, ctx.wid, end)["data"]["kind"])

    def _key_taken(self, ctx: WriteContext, link: Link, besides: int | None = None) -> bool:
        query = select(links.c.id).where(
            links.c.workshop_id == ctx.wid,
            links.c.source == link.source,
            links.c.target == link.target,
            links.c.relation == link.relation.value,
            links.c.deleted.is_(False),
        )
        if besides is not None:
            query = query.where(links.c.id != besides)
        return ctx.conn.execute(query).first() is not None

    def add_link(self, token: str, values: Mapping[str, Any]) -> LinkCard:
        """Add a link between two cards of the workshop (``source``, ``target``:
        identifiers; ``relation``: value or French label)."""
        if not isinstance(values, Mapping):
            raise InvalidInput("formulaire invalide")
        with self._writing(token, WRITERS, "ajouter un lien", edit=True) as ctx:
            self._check_links_open(ctx)
            link = forms.check_link(
                values,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, values, ("source", "target")),
            )
            self._check_link_kinds(ctx, link.source, link.target)
            if self._key_taken(ctx, link):
                raise InvalidInput(
                    f"ce lien existe déjà : {link.source} → {link.target} ({label(link.relation)})"
                )
            data = link_data(link)
            seq = ctx.next_seq()
            lid = ctx.conn.execute(
                insert(links)
                .values(
                    workshop_id=ctx.wid,
                    source=link.source,
                    target=link.target,
                    relation=link.relation.value,
                    data=data,
                    base_data=None,
                    deleted=False,
                    version=1,
                    created_by=ctx.member["id"],
                    updated_seq=seq,
                )
                .returning(links.c.id)
            ).scalar_one()
            self._log(
                ctx,
                seq,
                ADD_LINK,
                {"link": lid, "data": data},
                target=link.source,
                other=link.target,
                moderated=True,
            )
            return LinkCard(lid, link, 1, seq)

    def edit_link(
        self, token: str, link_id: int, changes: Mapping[str, Any], expected_version: int
    ) -> LinkCard:
        """Change some fields of a link made at ``expected_version`` (see
        :meth:`edit_structure` for conflicts)."""
        if not isinstance(changes, Mapping):
            raise InvalidInput("formulaire invalide")
        with self._writing(token, WRITERS, "modifier un lien", edit=True) as ctx:
            self._check_links_open(ctx)
            row = self._link_row(ctx.conn, ctx.wid, link_id)
            if row["deleted"] or row["version"] != expected_version:
                self._link_conflict(row)
            current = row["data"]
            merged = {**current, **changes}
            link = forms.check_link(
                merged,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, merged, ("source", "target")),
            )
            self._check_link_kinds(ctx, row["source"], row["target"], link.source, link.target)
            if self._key_taken(ctx, link, besides=row["id"]):
                raise InvalidInput(
                    f"ce lien existe déjà : {link.source} → {link.target} ({label(link.relation)})"
                )
            data = link_data(link)
            diff = {k: v for k, v in data.items() if current.get(k) != v}
            if not diff:
                return LinkCard(row["id"], link, row["version"], None)
            seq = ctx.next_seq()
            version = row["version"] + 1
            ctx.conn.execute(
                update(links)
                .where(links.c.id == row["id"], links.c.version == expected_version)
                .values(
                    data=data,
                    source=link.source,
                    target=link.target,
                    relation=link.relation.value,
                    version=version,
                    updated_seq=seq,
                )
            )
            payload = {
                "link": row["id"],
                "changes": diff,
                "before": {k: current.get(k) for k in diff},
                "version": version,
            }
            self._log(
                ctx, seq, EDIT_LINK, payload, target=link.source, other=link.target, moderated=True
            )
            return LinkCard(row["id"], link, version, seq)

    def remove_link(self, token: str, link_id: int, expected_version: int) -> int:
        """Remove a link (the facilitator, or the participant who added it, while the
        phase opens links and the kinds of both its ends); return the event number."""
        with self._writing(token, WRITERS, "retirer un lien", edit=True) as ctx:
            self._check_links_open(ctx)
            row = self._link_row(ctx.conn, ctx.wid, link_id)
            if ctx.role is Role.PARTICIPANT and row["created_by"] != ctx.member["id"]:
                raise PermissionDenied(
                    "Refusé : un participant ne retire que les liens qu’il a ajoutés ; "
                    "demandez à l’animation."
                )
            self._check_link_kinds(ctx, row["source"], row["target"])
            if row["deleted"] or row["version"] != expected_version:
                self._link_conflict(row, removing=True)
            payload = {"link": row["id"], "before": row["data"]}
            return self._apply_event(
                ctx,
                REMOVE_LINK,
                payload,
                target=row["source"],
                other=row["target"],
                moderated=True,
            )

    # --- undo -------------------------------------------------------------------------

    def undo(self, token: str, seq: int) -> int:
        """Undo event ``seq`` (an edit, or an undo, which redoes); return the undo's number.

        Any edit can be undone, not only the last one: the state is recomputed without
        it, and later edits that no longer apply (the edit of a card whose creation is
        undone) stay in the log without effect. Participants undo their own edits only.
        """
        with self._writing(token, WRITERS, "annuler une modification", edit=True) as ctx:
            row = (
                ctx.conn.execute(
                    select(events).where(events.c.workshop_id == ctx.wid, events.c.seq == int(seq))
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise NotFound(f"Aucune modification n° {seq} dans cet atelier.")
            if row["kind"] not in STATE_KINDS | {UNDO}:
                raise InvalidInput(
                    f"l’événement n° {seq} ({KIND_LABELS.get(row['kind'], row['kind'])}) "
                    "ne s’annule pas"
                )
            if ctx.role is Role.PARTICIPANT and row["author_id"] != ctx.member["id"]:
                raise PermissionDenied(
                    "Refusé : un participant n’annule que ses propres modifications ; "
                    "demandez à l’animation."
                )
            if row["undone_by"] is not None:
                raise ConflictError(
                    f"La modification n° {seq} est déjà annulée (n° {row['undone_by']})."
                )
            if row["status"] == REJECTED:
                raise ConflictError(f"La modification n° {seq} a été rejetée : rien à annuler.")
            undo_seq = ctx.next_seq()
            ctx.conn.execute(
                update(events).where(events.c.id == row["id"]).values(undone_by=undo_seq)
            )
            if row["kind"] == UNDO:
                ctx.conn.execute(
                    update(events)
                    .where(events.c.workshop_id == ctx.wid, events.c.seq == row["payload"]["event"])
                    .values(undone_by=None)
                )
            self._rebuild(ctx, undo_seq)
            payload = {"event": row["seq"], "kind": row["kind"]}
            return self._log(ctx, undo_seq, UNDO, payload, target=row["target"], other=row["other"])
