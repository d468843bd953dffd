"""The ``fresque db`` and ``fresque workshop`` commands (hooked into :mod:`fresque.cli`).

``fresque db upgrade`` brings the database (``--url``, else ``FRESQUE_DATABASE_URL``, else
``var/fresque.db``) to the newest schema; the app does the same when it starts.
``fresque workshop create`` prepares a workshop before an event and prints its join code,
the projector's display-only link, the facilitator's secret link (the token in the
link's fragment, ``/atelier/entrer#t=…``, never sent to the server in an address) and
token (for ``export`` and ``merge``); ``list``, ``export`` and ``merge`` follow.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from typing import Any

__all__ = ["add_commands"]

#: The address printed links start with when neither ``--public-url`` nor
#: ``FRESQUE_PUBLIC_URL`` says otherwise (``make run`` serves there).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8050"


def _engine(args: argparse.Namespace) -> Any:
    from fresque.store.db import make_engine

    return make_engine(args.url)


def _shown_url(engine: Any) -> str:
    return engine.url.render_as_string(hide_password=True)


def _db_upgrade(args: argparse.Namespace) -> int:
    from fresque.store.db import ensure_schema

    engine = _engine(args)
    try:
        revision = ensure_schema(engine)
    finally:
        engine.dispose()
    print(f"base à jour : révision {revision} ({_shown_url(engine)})")
    return 0


def _db_status(args: argparse.Namespace) -> int:
    from fresque.store.db import head_revision, schema_revision

    engine = _engine(args)
    try:
        current, head = schema_revision(engine), head_revision()
    finally:
        engine.dispose()
    if current == head:
        print(f"base à jour : révision {head} ({_shown_url(engine)})")
        return 0
    print(
        f"base en retard : révision {current or 'aucune'}, la dernière est {head} "
        f"({_shown_url(engine)}) ; lancez « fresque db upgrade »"
    )
    return 1


def _service(args: argparse.Namespace) -> Any:
    from fresque.store.service import WorkshopService

    return WorkshopService(_engine(args))


def _token(args: argparse.Namespace) -> str | None:
    token = args.token or os.environ.get("FRESQUE_WORKSHOP_TOKEN")
    if not token:
        print(
            "Donnez le jeton de l’animation : --token, ou FRESQUE_WORKSHOP_TOKEN.",
            file=sys.stderr,
        )
    return token


def _refused(error: Exception) -> int:
    print(error, file=sys.stderr)
    return 1


def _workshop_create(args: argparse.Namespace) -> int:
    from fresque.store.errors import StoreError
    from fresque.views.workshop import entry_url, join_url

    service = _service(args)
    try:
        workshop, token = service.create_workshop(
            args.name,
            base=args.base,
            region=args.region,
            moderation=args.moderation,
            nickname=args.nickname,
        )
        screen = service.create_screen_link(token)
    except StoreError as error:
        return _refused(error)
    finally:
        service.engine.dispose()
    public = args.public_url or os.environ.get("FRESQUE_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    region = f", région {workshop.region}" if workshop.region else ""
    print(f"atelier n° {workshop.id} « {workshop.name} » (base {workshop.base}{region})")
    print(f"code à afficher pour les participants : {workshop.code}")
    print(f"adresse pour rejoindre : {join_url(public, workshop.code)}")
    print(
        "tableau pour le vidéoprojecteur (écran seul, sans droit d’animation) : "
        f"{entry_url(public, screen, vue='tableau')}"
    )
    print(f"lien d’animation (secret, à garder pour vous) : {entry_url(public, token)}")
    print(f"jeton secret de l’animation (à garder pour vous) : {token}")
    return 0


def _workshop_list(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from fresque.i18n import local_time, t_count
    from fresque.store.db import ensure_schema, read_transaction
    from fresque.store.schema import members, workshops

    engine = _engine(args)
    try:
        ensure_schema(engine)
        with read_transaction(engine) as conn:
            counts = dict(
                conn.execute(
                    select(members.c.workshop_id, func.count())
                    .where(members.c.role == "participant", members.c.removed_at.is_(None))
                    .group_by(members.c.workshop_id)
                ).all()
            )
            rows = conn.execute(select(workshops).order_by(workshops.c.id)).mappings().all()
    finally:
        engine.dispose()
    if not rows:
        print("aucun atelier")
    for row in rows:
        print(
            f"{row['id']:>4}  {row['code']}  {row['status']:<6}  "
            f"{t_count('count.participants', counts.get(row['id'], 0)):>17}  "
            f"version {row['seq']:<6}  "
            f"{local_time(row['created_at']):%Y-%m-%d %H:%M}  {row['name']}"
        )
    return 0


#: Why a file could not be written, in words, by ``errno``.
_WRITE_ERRORS = {
    errno.ENOSPC: "le disque est plein",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.EROFS: "le disque est en lecture seule",
    errno.EEXIST: "un fichier porte le nom d’un des dossiers du chemin",
    errno.ENOTDIR: "un fichier porte le nom d’un des dossiers du chemin",
}


def _workshop_export(args: argparse.Namespace) -> int:
    from fresque.store.errors import StoreError

    token = _token(args)
    if not token:
        return 2
    service = _service(args)
    try:
        path = service.export(token, args.out, args.format)
    except StoreError as error:
        return _refused(error)
    except OSError as error:  # a file in the way, a full disk: said in words
        reason = _WRITE_ERRORS.get(error.errno or 0, error.strerror or str(error))
        print(f"L’export n’a pas pu être écrit dans {args.out} : {reason}", file=sys.stderr)
        return 1
    finally:
        service.engine.dispose()
    print(f"écrit : {path}")
    return 0


def _workshop_merge(args: argparse.Namespace) -> int:
    from fresque.store.errors import StoreError

    token = _token(args)
    if not token:
        return 2
    service = _service(args)
    try:
        result = service.merge_into_dataset(token, args.into, write=args.write)
    except StoreError as error:
        return _refused(error)
    finally:
        service.engine.dispose()
    print(result.format())
    if not result.changed_anything:
        print("Rien de nouveau : le jeu de données est inchangé.")
    elif result.written:
        print(f"écrit : {result.folder}")
    else:
        print("Aperçu : rien n’a été écrit (relancez avec --write pour verser l’atelier).")
    return 0


def add_commands(commands: Any) -> None:
    """Add ``db`` and ``workshop`` to the ``fresque`` command's subparsers."""
    url_help = "base de données (défaut : FRESQUE_DATABASE_URL, sinon var/fresque.db)"

    db = commands.add_parser("db", help="base de données des ateliers (migrations)")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="mettre le schéma à jour (Alembic)")
    upgrade.add_argument("--url", help=url_help)
    upgrade.set_defaults(func=_db_upgrade)
    status = db_commands.add_parser("status", help="dire si le schéma est à jour")
    status.add_argument("--url", help=url_help)
    status.set_defaults(func=_db_status)

    workshop = commands.add_parser("workshop", help="ateliers en direct (Atelier)")
    w_commands = workshop.add_subparsers(dest="workshop_command", metavar="ACTION", required=True)
    create = w_commands.add_parser("create", help="préparer un atelier : code et jeton")
    create.add_argument("name", help="titre de l’atelier, affiché aux participants")
    create.add_argument(
        "--base",
        default="national",
        help="national (défaut), vide, ou un dossier ou fichier de données",
    )
    create.add_argument("--region", help="ne garder que ce qui sert cette région (ex. 53)")
    create.add_argument(
        "--moderation",
        choices=["post", "pre"],
        default="post",
        help="post : affiché tout de suite (défaut) ; pre : affiché une fois accepté",
    )
    create.add_argument("--nickname", default="Animation", help="nom de l’animation")
    create.add_argument(
        "--public-url",
        help="adresse de l’application dans les liens imprimés (défaut : FRESQUE_PUBLIC_URL, "
        f"sinon {DEFAULT_PUBLIC_URL})",
    )
    create.add_argument("--url", help=url_help)
    create.set_defaults(func=_workshop_create)

    listing = w_commands.add_parser("list", help="lister les ateliers de la base")
    listing.add_argument("--url", help=url_help)
    listing.set_defaults(func=_workshop_list)

    export = w_commands.add_parser("export", help="exporter un atelier (XLSX, JSON, CSV…)")
    export.add_argument("--token", help="jeton de l’animation (ou FRESQUE_WORKSHOP_TOKEN)")
    export.add_argument("--out", required=True, help="fichier à écrire, ex. atelier.xlsx")
    export.add_argument("--format", help="format (défaut : d’après l’extension)")
    export.add_argument("--url", help=url_help)
    export.set_defaults(func=_workshop_export)

    merge = w_commands.add_parser(
        "merge", help="verser un atelier clos dans le jeu de données (aperçu du diff)"
    )
    merge.add_argument("--token", help="jeton de l’animation (ou FRESQUE_WORKSHOP_TOKEN)")
    merge.add_argument("--into", help="jeu de données (défaut : data/ecosystem)")
    merge.add_argument("--write", action="store_true", help="écrire (sinon : aperçu seul)")
    merge.add_argument("--url", help=url_help)
    merge.set_defaults(func=_workshop_merge)
