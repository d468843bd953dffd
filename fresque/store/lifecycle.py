"""A workshop's life: created, joined, led through phases, closed, exported, merged.

Holds :class:`LifecycleMixin`, the part of :class:`~fresque.store.service.WorkshopService`
that creates a workshop from a base dataset, lets participants join with its code and
the facilitator hand out read-only and screen links, opens phases, closes and reopens it, exports
it, and finally merges what it changed into the curated dataset; and
:func:`hash_token`, how a secret token is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from fresque.ecosystem import Ecosystem
from fresque.i18n import normalize_key, parse_enum
from fresque.io.validate import MergeReport, Records, merge_records
from fresque.model import Kind, Level, Link, Structure
from fresque.store import door, forms, replay
from fresque.store.constants import (
    ACCEPTED,
    CLOSE,
    CLOSED,
    CODE_ALPHABET,
    CODE_LENGTH,
    CREATE,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RATE_WINDOW,
    EXPORT,
    FACILITATORS,
    JOIN,
    MERGE_DATASET,
    MERGED,
    NAME_MAX,
    OPEN,
    PHASE,
    REOPEN,
    SCREEN_LINK,
    VIEWER_LINK,
    Moderation,
    Role,
)
from fresque.store.db import read_transaction, write_transaction
from fresque.store.errors import (
    ConflictError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StoreError,
    WorkshopClosed,
)
from fresque.store.replay import State, link_data, link_key, structure_data
from fresque.store.results import DatasetMerge, Workshop, to_workshop
from fresque.store.schema import links, members, structures, workshops
from fresque.store.state import WriteContext

__all__ = ["LifecycleMixin", "hash_token", "new_token"]


def new_token() -> str:
    """A new secret token: 32 URL-safe characters (192 random bits) that never start
    with « - », so that ``fresque workshop … --token TOKEN`` never reads it as an option.

    Examples
    --------
    >>> token = new_token()
    >>> len(token), token[0] != "-"
    (32, True)
    """
    while True:
        token = secrets.token_urlsafe(24)
        if not token.startswith("-"):
            return token


def hash_token(token: str) -> str:
    """The SHA-256 of a token, as stored (tokens are random: no need for a slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LifecycleMixin:
    """Create, join, lead and end workshops (a mixin of
    :class:`~fresque.store.service.WorkshopService`)."""

    # --- creating and joining -----------------------------------------------------------

    def create_workshop(
        self,
        name: str,
        *,
        base: str | Path = "national",
        region: str | None = None,
        moderation: Moderation | str = Moderation.POST,
        nickname: str = "Animation",
        rate_limit: int = DEFAULT_RATE_LIMIT,
        rate_window: int = DEFAULT_RATE_WINDOW,
    ) -> tuple[Workshop, str]:
        """Create a workshop; return it and the facilitator's secret token.

        Parameters
        ----------
        name
            Its title (shown on the projector).
        base
            ``"national"`` (the curated dataset), ``"vide"`` (a blank board), or a path
            to a dataset folder or file (:func:`fresque.io.read_records`).
        region
            Keep only what serves this région (INSEE code, e.g. ``"53"``) and the
            national actors, plus the carriers they name.
        moderation
            ``"post"`` (edits show at once) or ``"pre"`` (once accepted).
        nickname
            The facilitator's name in the audit log.
        rate_limit, rate_window
            At most ``rate_limit`` edits per participant every ``rate_window`` seconds.
        """
        name = " ".join(str(name or "").split())
        problems = []
        if not name or len(name) > NAME_MAX:
            problems.append(f"nom de l’atelier : de 1 à {NAME_MAX} caractères")
        try:
            moderation = Moderation(str(moderation).lower())
        except ValueError:
            problems.append("modération : « pre » (avant affichage) ou « post » (après)")
        if not (1 <= int(rate_limit) <= 10_000 and 1 <= int(rate_window) <= 86_400):
            problems.append("limite de débit : de 1 à 10 000 modifications par 1 s à 24 h")
        if problems:
            raise InvalidInput("\n".join(problems))
        nickname = forms.check_nickname(nickname)
        records, base_label, region = self._base_records(base, region)
        token = new_token()
        for _attempt in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                wid = self._insert_workshop(
                    name,
                    code,
                    base_label,
                    region,
                    moderation,
                    nickname,
                    token,
                    records,
                    rate_limit,
                    rate_window,
                )
                break
            except IntegrityError:  # the code was taken: draw another
                continue
        else:  # pragma: no cover - 31**6 codes
            raise RuntimeError("impossible de tirer un code d’atelier libre")
        with read_transaction(self.engine) as conn:
            row = conn.execute(select(workshops).where(workshops.c.id == wid)).mappings().one()
            return to_workshop(row), token

    def _insert_workshop(
        self,
        name: str,
        code: str,
        base_label: str,
        region: str | None,
        moderation: Moderation,
        nickname: str,
        token: str,
        records: Records,
        rate_limit: int,
        rate_window: int,
    ) -> int:
        with write_transaction(self.engine) as conn:
            now = self._times.in_transaction(conn)
            wid = conn.execute(
                insert(workshops)
                .values(
                    name=name,
                    code=code,
                    base=base_label,
                    region=region,
                    moderation=moderation.value,
                    status=OPEN,
                    phase_name="",
                    phase_kinds=None,
                    links_open=True,
                    rate_limit=int(rate_limit),
                    rate_window=int(rate_window),
                    seq=0,
                    created_at=now,
                    updated_at=now,
                )
                .returning(workshops.c.id)
            ).scalar_one()
            mid = conn.execute(
                insert(members)
                .values(
                    workshop_id=wid,
                    role=Role.FACILITATOR.value,
                    nickname=nickname,
                    nickname_key=normalize_key(nickname),
                    token_hash=hash_token(token),
                    blocked=False,
                    created_at=now,
                )
                .returning(members.c.id)
            ).scalar_one()
            rows = [
                {
                    "workshop_id": wid,
                    "sid": s.id,
                    "data": structure_data(s),
                    "base_data": structure_data(s),
                    "deleted": False,
                    "version": 1,
                    "updated_seq": 0,
                }
                for s in records.structures
            ]
            if rows:
                conn.execute(insert(structures), rows)
            rows = [
                {
                    "workshop_id": wid,
                    "source": k.source,
                    "target": k.target,
                    "relation": k.relation.value,
                    "data": link_data(k),
                    "base_data": link_data(k),
                    "deleted": False,
                    "version": 1,
                    "updated_seq": 0,
                }
                for k in records.links
            ]
            if rows:
                conn.execute(insert(links), rows)
            ws = dict(conn.execute(select(workshops).where(workshops.c.id == wid)).mappings().one())
            member = dict(conn.execute(select(members).where(members.c.id == mid)).mappings().one())
            ctx = WriteContext(conn, ws, member, now)
            payload = {
                "name": name,
                "base": base_label,
                "region": region,
                "moderation": moderation.value,
                "structures": len(records.structures),
                "links": len(records.links),
            }
            self._log(ctx, ctx.next_seq(), CREATE, payload)
            return wid

    def _base_records(
        self, base: str | Path, region: str | None
    ) -> tuple[Records, str, str | None]:
        from fresque.io import DatasetValidationError, read_records

        if region is not None:
            region = str(region).strip()
            if (Level.REGION, region) not in self.territories:
                raise InvalidInput(f"région inconnue : « {region} » (code INSEE, ex. 53)")
        key = str(base).strip()
        try:
            if key.lower() in ("vide", "empty", ""):
                return Records(), "vide", region
            if key.lower() == "national":
                folder, shown = self._dataset_dir(), "national"
            else:
                folder, shown = Path(key), Path(key).name[:NAME_MAX]
            records = read_records(folder, territories=self.territories, allow_empty=True)
        except DatasetValidationError as error:
            raise InvalidInput(error.problems) from None
        except (OSError, ValueError) as error:
            raise InvalidInput(f"jeu de données de base illisible : {error}") from None
        if region is None:
            return records, shown, None
        eco = Ecosystem(records.structures, records.links, territories=self.territories)
        kept = eco.filter(territory=(Level.REGION, region))
        ids = set(kept.structures.index)
        by_id = {s.id: s for s in records.structures}
        todo = list(ids)
        while todo:  # carriers come along, so that exports read back
            carrier = by_id[todo.pop()].carrier_id
            if carrier and carrier in by_id and carrier not in ids:
                ids.add(carrier)
                todo.append(carrier)
        subset = Records(
            [s for s in records.structures if s.id in ids],
            [k for k in records.links if k.source in ids and k.target in ids],
        )
        return subset, shown, region

    def join(self, code: str, nickname: str, *, address: str | None = None) -> str:
        """Join the open workshop with this code under ``nickname``; return the
        participant's secret token.

        Parameters
        ----------
        code
            The join code shown on the projector.
        nickname
            The participant's name in the workshop.
        address
            The client's address (the app passes it): the join door
            (:mod:`fresque.store.door`) counts attempts per address and workshop, per
            workshop, and wrong codes per address. ``None`` (the command line): not
            counted.

        Raises
        ------
        NotFound
            No workshop has this code.
        RateLimited
            Too many attempts lately: the message says in how many seconds to retry.
        WorkshopClosed
            The workshop is closed.
        PermissionDenied
            Every seat is taken (``max_members`` active participants).
        InvalidInput
            The nickname is empty, too long, or already taken in this workshop.
        """
        wanted = "".join(c for c in str(code or "").upper() if c.isalnum())
        if len(wanted) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in wanted):
            raise NotFound(
                f"Code d’atelier invalide : « {str(code)[:20]} » (6 caractères, lettres et "
                "chiffres, comme affiché à l’écran)."
            )
        nickname = forms.check_nickname(nickname)
        address = door.client(address)
        token = new_token()
        with write_transaction(self.engine) as conn:
            refusal = self._join(conn, wanted, nickname, address, token)
        if refusal is not None:  # counted at the door (committed), then said
            raise refusal
        return token

    def _join(
        self, conn: Connection, wanted: str, nickname: str, address: str | None, token: str
    ) -> StoreError | None:
        """Join in the transaction ``conn``; a refusal that the door counts is returned
        (its attempt is committed), one it does not count is raised (nothing written)."""
        if address is not None:
            door.check_failures(conn, address, self._times.in_transaction(conn))
        row = (
            conn.execute(select(workshops).where(workshops.c.code == wanted).with_for_update())
            .mappings()
            .one_or_none()
        )
        now = self._times.in_transaction(conn)  # the workshop's writes are serialised now
        if row is None:
            if address is not None:
                door.record(conn, address, None, now, ok=False)
            return NotFound(f"Aucun atelier avec le code « {wanted} » : vérifiez-le à l’écran.")
        ws = dict(row)
        if address is not None:
            door.check_workshop(conn, ws["id"], address, now)

        def refuse(error: StoreError) -> StoreError:
            if address is not None:
                door.record(conn, address, ws["id"], now, ok=False)
            return error

        if ws["status"] != OPEN:
            return refuse(
                WorkshopClosed(
                    f"L’atelier « {ws['name']} » est clos : on ne peut plus le rejoindre."
                )
            )
        if self._seats_taken(conn, ws["id"]) >= self.max_members:
            return refuse(PermissionDenied(self._full_message(self.max_members)))
        key = normalize_key(nickname) or nickname.casefold()
        taken = conn.execute(
            select(members.c.id).where(
                members.c.workshop_id == ws["id"], members.c.nickname_key == key
            )
        ).first()
        if taken is not None:
            return refuse(
                InvalidInput(
                    [
                        forms._problem(
                            "nickname",
                            nickname,
                            f"le pseudo « {nickname} » est déjà pris dans cet atelier : "
                            "choisissez-en un autre",
                        )
                    ]
                )
            )
        mid = conn.execute(
            insert(members)
            .values(
                workshop_id=ws["id"],
                role=Role.PARTICIPANT.value,
                nickname=nickname,
                nickname_key=key,
                token_hash=hash_token(token),
                blocked=False,
                created_at=now,
            )
            .returning(members.c.id)
        ).scalar_one()
        member = dict(conn.execute(select(members).where(members.c.id == mid)).mappings().one())
        ctx = WriteContext(conn, ws, member, now)
        self._log(ctx, ctx.next_seq(), JOIN, {"nickname": nickname})
        if address is not None:
            door.record(conn, address, ws["id"], now, ok=True)
        return None

    def create_viewer_link(self, token: str) -> str:
        """Return a new read-only token for this workshop (facilitator only)."""
        return self._reading_member(token, Role.VIEWER, "créer un lien de lecture", VIEWER_LINK)

    def create_screen_link(self, token: str) -> str:
        """Return a new display-only token for the projector or a shared screen
        (facilitator only): it reads what a viewer reads, the join code included (the
        board shows it), and may write nothing, so that the facilitator's own token is
        never opened on a screen the room sees."""
        return self._reading_member(token, Role.SCREEN, "créer un lien d’écran", SCREEN_LINK)

    def _reading_member(self, token: str, role: Role, action: str, kind: str) -> str:
        """Add a member without a nickname who may only read (a viewer, a screen), log it
        as ``kind``, and return its new token (facilitator only, even once closed)."""
        new = new_token()
        with self._writing(token, FACILITATORS, action, after_close=True) as ctx:
            ctx.conn.execute(
                insert(members).values(
                    workshop_id=ctx.wid,
                    role=role.value,
                    nickname=None,
                    nickname_key=None,
                    token_hash=hash_token(new),
                    blocked=False,
                    created_at=ctx.now,
                )
            )
            self._log(ctx, ctx.next_seq(), kind, {})
        return new

    # --- phases, closing --------------------------------------------------------------

    def set_phase(
        self,
        token: str,
        name: str = "",
        kinds: Iterable[Kind | str] | None = None,
        links_open: bool = True,
    ) -> Workshop:
        """Open a phase: participants may add and edit cards of ``kinds`` only (all when
        ``None``), links when ``links_open``; participants' and viewers' boards show the
        revealed kinds (facilitator only)."""
        name = " ".join(str(name or "").split())
        if len(name) > NAME_MAX:
            raise InvalidInput(f"nom de phase : {NAME_MAX} caractères au plus")
        values = None
        if kinds is not None:
            try:
                parsed = {
                    parse_enum(Kind, k) for k in ([kinds] if isinstance(kinds, str) else kinds)
                }
            except ValueError as error:
                raise InvalidInput(str(error)) from None
            values = [k.value for k in Kind if k in parsed]
        with self._writing(token, FACILITATORS, "ouvrir une phase") as ctx:
            ctx.conn.execute(
                update(workshops)
                .where(workshops.c.id == ctx.wid)
                .values(phase_name=name, phase_kinds=values, links_open=bool(links_open))
            )
            payload = {"name": name, "kinds": values, "links_open": bool(links_open)}
            self._log(ctx, ctx.next_seq(), PHASE, payload)
        return self.workshop(token)

    def close(self, token: str) -> Workshop:
        """Close the workshop: participants can no longer write or join (facilitator)."""
        return self._set_status(token, CLOSED, CLOSE, "clore l’atelier")

    def reopen(self, token: str) -> Workshop:
        """Reopen a closed workshop (facilitator)."""
        return self._set_status(token, OPEN, REOPEN, "rouvrir l’atelier")

    def _set_status(self, token: str, status: str, kind: str, action: str) -> Workshop:
        with self._writing(token, FACILITATORS, action) as ctx:
            if ctx.ws["status"] != status:
                ctx.conn.execute(
                    update(workshops).where(workshops.c.id == ctx.wid).values(status=status)
                )
                self._log(ctx, ctx.next_seq(), kind, {})
        return self.workshop(token)

    # --- exporting --------------------------------------------------------------------

    def export(
        self,
        token: str,
        path: str | Path,
        format: str | None = None,
        *,
        include_pending: bool | None = None,
    ) -> Path:
        """Write the workshop in an import format (``xlsx``, ``json``, ``csv``… from the
        extension or ``format``); facilitator only. :func:`fresque.io.read_records`
        reads the file back."""
        from fresque.io.tables import output_format, write_records

        try:
            fmt = output_format(path, format)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
        records = self.records(token, include_pending=include_pending)
        written = write_records(records, path, fmt, territories=self.territories)
        with self._writing(token, FACILITATORS, "l’export", after_close=True) as ctx:
            payload = {
                "format": fmt,
                "file": Path(path).name,
                "structures": len(records.structures),
                "links": len(records.links),
            }
            self._log(ctx, ctx.next_seq(), EXPORT, payload)
        return written

    # --- into the curated dataset -----------------------------------------------------

    def merge_into_dataset(
        self, token: str, folder: str | Path | None = None, *, write: bool = False
    ) -> DatasetMerge:
        """Merge what a closed workshop changed into the curated dataset (facilitator).

        Only accepted edits count. What the workshop changed is computed against the
        base it started from, then applied to the dataset as it is now: cards the
        workshop added are added, fields it changed are changed (other fields keep the
        dataset's current value), cards and links it removed are removed. Without
        ``write`` nothing is written: read :meth:`DatasetMerge.format` first.
        """
        from fresque.io import DatasetValidationError, read_records
        from fresque.io.tables import write_csv_dir

        with self._reading(token, FACILITATORS, "le versement dans le jeu de données") as (
            conn,
            ws,
            _member,
        ):
            if ws["status"] == OPEN:
                raise PermissionDenied(
                    "Refusé : closez l’atelier avant de le verser dans le jeu de données."
                )
            if ws["status"] == MERGED:
                raise WorkshopClosed("Cet atelier a déjà été versé dans le jeu de données.")
            srows, lrows = self._rows(conn, ws["id"])
            base = self._base_state(srows, lrows)
            final = replay.replay(base, self._events_for(conn, ws["id"], (ACCEPTED,)))
        target = self._dataset_dir(folder)
        try:
            curated = (
                read_records(target, territories=self.territories, allow_empty=True)
                if (target / "structures.csv").exists()
                else Records()
            )
        except DatasetValidationError as error:
            raise InvalidInput(error.problems) from None
        merged_records, report, removed_s, removed_l = _merge_into(curated, base, final)
        try:
            Ecosystem(merged_records.structures, merged_records.links, territories=self.territories)
            ids = merged_records.structure_ids
            orphans = sorted(
                f"{s.id} (porteur {s.carrier_id})"
                for s in merged_records.structures
                if s.carrier_id and s.carrier_id not in ids
            )
            if orphans:
                raise ValueError("structures porteuses absentes : " + ", ".join(orphans))
        except ValueError as error:
            raise ConflictError(
                "Le jeu de données a changé depuis l’atelier et la fusion serait "
                f"incohérente : {error}"
            ) from None
        names = {sid: data["name"] for sid, data in base.structures.items()}
        names.update({s.id: s.name for s in curated.structures})
        names.update({sid: data["name"] for sid, data in final.structures.items()})
        result = DatasetMerge(report, removed_s, removed_l, merged_records, write, target, names)
        if write:
            with self._writing(token, FACILITATORS, "le versement", after_close=True) as ctx:
                if ctx.ws["status"] != CLOSED:
                    raise ConflictError("L’atelier a été rouvert ou versé entre-temps.")
                write_csv_dir(merged_records, target)
                ctx.conn.execute(
                    update(workshops).where(workshops.c.id == ctx.wid).values(status=MERGED)
                )
                payload = {
                    "folder": str(target),
                    "added": len(report.added_structures) + len(report.added_links),
                    "changed": len(report.changed_structures) + len(report.changed_links),
                    "removed": len(removed_s) + len(removed_l),
                }
                self._log(ctx, ctx.next_seq(), MERGE_DATASET, payload)
        return result


def _merge_into(
    curated: Records, base: State, final: State
) -> tuple[Records, MergeReport, tuple[str, ...], tuple[str, ...]]:
    """Apply the workshop's changes (``base`` → ``final``) to ``curated``."""
    by_id = {s.id: s for s in curated.structures}
    incoming_s: list[Structure] = []
    for sid, data in final.structures.items():
        before = base.structures.get(sid)
        if before == data:
            continue
        if before is None or sid not in by_id:
            incoming_s.append(Structure.model_validate(data))
            continue
        diff = {k: v for k, v in data.items() if before.get(k) != v}
        if diff.keys() & {"territory_level", "territory_codes"}:
            diff["territory_level"], diff["territory_codes"] = (
                data["territory_level"],
                data["territory_codes"],
            )
        incoming_s.append(Structure.model_validate({**by_id[sid].model_dump(), **diff}))
    removed_s = tuple(sorted(sid for sid in base.structures if sid not in final.structures))
    base_keys = {link_key(d): d for d in base.links.values()}
    final_keys = {link_key(d): d for d in final.links.values()}
    curated_links = {(k.source, k.target, k.relation.value): k for k in curated.links}
    incoming_l: list[Link] = []
    for key, data in final_keys.items():
        before = base_keys.get(key)
        if before == data:
            continue
        if before is None or key not in curated_links:
            incoming_l.append(Link.model_validate(data))
            continue
        diff = {k: v for k, v in data.items() if before.get(k) != v}
        incoming_l.append(Link.model_validate({**curated_links[key].model_dump(), **diff}))
    removed_keys = sorted(key for key in base_keys if key not in final_keys)
    gone = set(removed_s)
    kept = Records(
        [s for s in curated.structures if s.id not in gone],
        [
            k
            for k in curated.links
            if (k.source, k.target, k.relation.value) not in set(removed_keys)
            and k.source not in gone
            and k.target not in gone
        ],
    )
    merged, report = merge_records(kept, Records(incoming_s, incoming_l))
    shown = tuple(f"{s} → {t} ({r})" for s, t, r in removed_keys)
    return merged, report, removed_s, shown
