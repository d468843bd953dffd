"""The facilitator's oversight: moderation, suspensions, duplicates and their merge.

Holds :class:`ModerationMixin`, the part of :class:`~fresque.store.service.WorkshopService`
that accepts or rejects participants' edits, suspends a participant, finds cards that
may be the same actor (similar names, a territory in common) and merges two cards.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update

from fresque.i18n import parse_enum
from fresque.model import Level, Structure
from fresque.store import forms
from fresque.store.constants import (
    ACCEPTED,
    BLOCK,
    FACILITATORS,
    MERGED,
    MODERATE,
    PENDING,
    REJECTED,
    Role,
)
from fresque.store.duplicates import name_key, update_duplicates
from fresque.store.errors import InvalidInput, NotFound, PermissionDenied, WorkshopClosed
from fresque.store.replay import MERGE, STATE_KINDS, structure_data
from fresque.store.results import Card, Duplicate, to_card
from fresque.store.schema import events, members, structures

__all__ = ["ModerationMixin"]


class ModerationMixin:
    """Moderate edits, suspend participants, find and merge duplicates (a mixin of
    :class:`~fresque.store.service.WorkshopService`)."""

    # --- moderation -------------------------------------------------------------------

    def moderate(self, token: str, seqs: int | Iterable[int], decision: str) -> int | None:
        """Set edits ``seqs`` to ``decision``: ``"accepted"``, ``"rejected"`` or back to
        ``"pending"`` (facilitator only); return the moderation's event number (``None``
        when nothing changed). A rejected edit is left out of the state until accepted."""
        if decision not in (ACCEPTED, REJECTED, PENDING):
            raise InvalidInput("décision : « accepted », « rejected » ou « pending »")
        wanted = sorted({int(seqs)} if isinstance(seqs, int) else {int(s) for s in seqs})
        if not wanted:
            return None
        with self._writing(token, FACILITATORS, "modérer", after_close=True) as ctx:
            if ctx.ws["status"] == MERGED:
                raise WorkshopClosed("L’atelier a été versé dans le jeu de données.")
            rows = (
                ctx.conn.execute(
                    select(events).where(events.c.workshop_id == ctx.wid, events.c.seq.in_(wanted))
                )
                .mappings()
                .all()
            )
            missing = set(wanted) - {r["seq"] for r in rows}
            if missing:
                raise NotFound(f"Aucune modification n° {min(missing)} dans cet atelier.")
            wrong = [r["seq"] for r in rows if r["kind"] not in STATE_KINDS]
            if wrong:
                raise InvalidInput(
                    f"l’événement n° {wrong[0]} n’est pas une modification à modérer"
                )
            changing = [r for r in rows if r["status"] != decision]
            if not changing:
                return None
            seq = ctx.next_seq()
            ctx.conn.execute(
                update(events)
                .where(events.c.id.in_([r["id"] for r in changing]))
                .values(status=decision, reviewed_by=ctx.member["id"], reviewed_at=ctx.now)
            )
            if any(REJECTED in (r["status"], decision) for r in changing):
                self._rebuild(ctx, seq)
            payload = {"events": [r["seq"] for r in changing], "status": decision}
            return self._log(ctx, seq, MODERATE, payload)

    def block(self, token: str, member_id: int, blocked: bool = True) -> int:
        """Suspend (or restore) a participant's right to write (facilitator only)."""
        with self._writing(
            token, FACILITATORS, "suspendre un participant", after_close=True
        ) as ctx:
            row = (
                ctx.conn.execute(
                    select(members).where(
                        members.c.workshop_id == ctx.wid, members.c.id == int(member_id)
                    )
                )
                .mappings()
                .one_or_none()
            )
            if row is None or row["role"] != Role.PARTICIPANT.value:
                raise NotFound(f"Aucun participant n° {member_id} dans cet atelier.")
            # A suspended participant frees a seat: restoring one needs a free seat.
            restoring = row["blocked"] and not blocked and row["removed_at"] is None
            if restoring and self._seats_taken(ctx.conn, ctx.wid) >= self.max_members:
                raise PermissionDenied(
                    f"Impossible de rétablir {row['nickname']} : "
                    + self._full_message(self.max_members)
                )
            ctx.conn.execute(
                update(members).where(members.c.id == row["id"]).values(blocked=bool(blocked))
            )
            payload = {"member": row["id"], "nickname": row["nickname"], "blocked": bool(blocked)}
            return self._log(ctx, ctx.next_seq(), BLOCK, payload)

    # --- duplicates -------------------------------------------------------------------

    def merge_structures(
        self,
        token: str,
        keep: str,
        merge: str,
        changes: Mapping[str, Any] | None = None,
        *,
        expected_versions: tuple[int, int] | None = None,
    ) -> Card:
        """Merge card ``merge`` into ``keep`` (facilitator only).

        ``keep`` takes ``changes`` (fields to take from the other card, e.g. its website);
        the links of ``merge`` move to ``keep`` (a link between the two, or one ``keep``
        already has, goes), cards it carried are carried by ``keep``, and ``merge`` is
        removed, remembered as merged into ``keep``: :meth:`history` of ``keep`` shows
        both histories. Undoing the merge restores both cards.
        """
        changes = dict(changes or {})
        if "id" in changes:
            raise InvalidInput([forms._problem("id", "", "l’identifiant ne se modifie pas")])
        with self._writing(token, FACILITATORS, "fusionner des doublons", after_close=False) as ctx:
            kept = self._structure_row(ctx.conn, ctx.wid, keep)
            gone = self._structure_row(ctx.conn, ctx.wid, merge)
            if kept["sid"] == gone["sid"]:
                raise InvalidInput("une structure ne se fusionne pas avec elle-même")
            for row, expected in zip((kept, gone), expected_versions or (None, None), strict=True):
                if row["deleted"] or (expected is not None and row["version"] != expected):
                    self._conflict(ctx.conn, ctx.wid, row, expected or row["version"])
            current = kept["data"]
            merged = {k: v for k, v in {**current, **changes}.items() if k != "id"}
            structure = forms.check_structure(
                merged,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, merged, ("carrier_id",)),
                sid=kept["sid"],
            )
            data = structure_data(structure)
            diff = {k: v for k, v in data.items() if current.get(k) != v}
            if diff.keys() & {"territory_level", "territory_codes"}:
                diff["territory_level"] = data["territory_level"]
                diff["territory_codes"] = data["territory_codes"]
            payload = {
                "kept": kept["sid"],
                "merged": gone["sid"],
                "name": data["name"],
                "merged_name": gone["data"]["name"],
                "changes": diff,
                "before": {k: current.get(k) for k in diff},
                "merged_data": gone["data"],
            }
            seq = self._apply_event(
                ctx, MERGE, payload, target=kept["sid"], other=gone["sid"], moderated=True
            )
            row = self._structure_row(ctx.conn, ctx.wid, kept["sid"])
            return Card(Structure.model_validate(row["data"]), row["version"], seq)

    def duplicate_suggestions(self, token: str, threshold: float = 0.8) -> list[Duplicate]:
        """Pairs of cards with similar names serving a territory in common, where at
        least one was added in the workshop; best first (facilitator only).

        The pairs are kept per workshop from one call to the next: only the cards
        changed since are compared again (:func:`~fresque.store.duplicates.update_duplicates`).
        """
        with self._reading(token, FACILITATORS, "la recherche de doublons") as (conn, ws, _m):
            # The version's snapshot has every live card, validated, with its last change.
            snap = self.snapshots.get(conn, ws["id"], ws["seq"])
            marks = snap.memo(
                "duplicate-marks",
                lambda: {
                    sid: (int(c.seq or 0), c.created_by is not None)
                    for sid, c in snap.cards_by_id.items()
                },
            )

            def read(ids: list[str]) -> dict[str, Any]:
                found: dict[str, Any] = {}
                for sid in ids:
                    card = snap.cards_by_id[sid].structure
                    found[sid] = {
                        "name": card.name,
                        "territory_level": card.territory_level.value,
                        "territory_codes": card.territory_codes,
                    }
                return found

            key = (ws["id"], float(threshold))
            with self._cache_lock:
                before = self._duplicates.get(key)
            state = update_duplicates(
                before,
                marks,
                read,
                lambda level, code: self.territories.commune_positions((level, code)),
                threshold,
            )
        with self._cache_lock:
            self._duplicates[key] = state
            while len(self._duplicates) > 16:
                self._duplicates.pop(next(iter(self._duplicates)))
        return state.suggestions()

    def similar_structures(
        self, token: str, values: Mapping[str, Any], threshold: float = 0.8
    ) -> list[Card]:
        """Cards that may already be the one a participant is about to add (similar name,
        a territory in common), best first: to show before :meth:`add_structure`."""
        name = values.get("name") if isinstance(values, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            return []
        probe: dict[str, Any] = {"name": name[:200]}
        try:
            level = parse_enum(Level, str(values.get("territory_level") or ""))
            codes = values.get("territory_codes") or []
            codes = [codes] if isinstance(codes, str) else list(codes)
            resolved = []
            for code in codes[: forms.MAX_ITEMS]:
                found = self.territories.resolve(str(code), level=level)
                resolved += [t.code for t in found[:1]]
            probe.update(territory_level=level.value, territory_codes=resolved)
        except (ValueError, LookupError):
            pass
        with self._reading(token) as (conn, ws, _member):
            rows = (
                conn.execute(
                    select(structures).where(
                        structures.c.workshop_id == ws["id"], structures.c.deleted.is_(False)
                    )
                )
                .mappings()
                .all()
            )
        cards = [(r["sid"], r["data"], False) for r in rows]
        by_sid = {r["sid"]: r for r in rows}
        close = self._similar(probe, cards, threshold)
        return [to_card(by_sid[c[0]]) for c, _score in sorted(close, key=lambda x: -x[1])]

    def _similar(
        self,
        data: Mapping[str, Any],
        cards: list[tuple[str, dict, bool]],
        threshold: float,
        skip: str | None = None,
    ) -> list[tuple[tuple[str, dict, bool], float]]:
        key = name_key(data["name"])
        if not key:
            return []
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(key)
        out = []
        for card in cards:
            if card[0] == skip:
                continue
            other = name_key(card[1]["name"])
            if not other:
                continue
            contained = min(len(key), len(other)) >= 4 and (key in other or other in key)
            matcher.set_seq1(other)
            if not contained and (
                matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold
            ):
                continue
            score = matcher.ratio()
            if (score >= threshold or contained) and self._share_territory(data, card[1]):
                out.append((card, round(max(score, threshold), 3)))
        return out

    def _share_territory(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        if not a.get("territory_level") or not b.get("territory_level"):
            return True  # nothing to tell them apart
        if Level.COUNTRY.value in (a["territory_level"], b["territory_level"]):
            return a["territory_level"] == b["territory_level"]
        try:
            first = {
                int(p)
                for code in a.get("territory_codes") or []
                for p in self.territories.commune_positions((a["territory_level"], code))
            }
            return any(
                int(p) in first
                for code in b.get("territory_codes") or []
                for p in self.territories.commune_positions((b["territory_level"], code))
            )
        except (LookupError, ValueError):
            return False
