"""Problems found in a dataset, each with its place as a spreadsheet user sees it.

A :class:`Problem` names the file, the sheet, the row (the header is row 1, as in Excel or
LibreOffice), the column (the user's own header), the value and a plain French reason.
Readers collect every problem of a file before giving up, and raise them all at once in a
:class:`DatasetValidationError`: an import is all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fresque.model import Link, Structure

__all__ = [
    "DatasetValidationError",
    "Problem",
    "Records",
    "format_problems",
]


@dataclass(frozen=True)
class Records:
    """A dataset as read from or written to files: structures (nodes) and links (edges).

    Attributes
    ----------
    structures : list of Structure
        The actors.
    links : list of Link
        The directed relations between them.

    Examples
    --------
    >>> Records().structures, Records().links
    ([], [])
    """

    structures: list[Structure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def structure_ids(self) -> set[str]:
        """The identifiers of the structures."""
        return {structure.id for structure in self.structures}

    def sorted(self) -> Records:
        """Return the same records, structures sorted by id and links by (source, target,
        relation): the order every writer uses."""
        return Records(
            sorted(self.structures, key=lambda s: s.id),
            sorted(self.links, key=lambda link: (link.source, link.target, link.relation.value)),
        )


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a dataset, where a spreadsheet user would look for it.

    Attributes
    ----------
    file : str
        Name of the file (without its folder).
    sheet : str
        Name of the sheet for a workbook, of the list for JSON (``structures``,
        ``links``…), empty for a CSV file.
    row : int or None
        Row number as the spreadsheet shows it: the header is row 1, the first data row is
        row 2. For JSON, the position of the item in its list, from 1. ``None`` when the
        problem concerns the whole file.
    column : str
        The column header as the user wrote it (``département``, ``Type``…), empty when
        the problem concerns the whole row or file.
    value : str
        The offending value as read (empty when missing).
    message : str
        Plain French reason, with the allowed values or suggestions when there are some.
    """

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    @property
    def place(self) -> str:
        """Where the problem is, in words: ``liens.csv, ligne 4, colonne « cible »``."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)

    def __str__(self) -> str:
        value = f" (valeur « {self.value} »)" if self.value else ""
        return f"{self.place}{value} : {self.message}"


_HEADERS = ("Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Problème")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_problems(problems: list[Problem], *, max_value_width: int = 30) -> str:
    """Return the problems as a plain-text table, one line per problem.

    Parameters
    ----------
    problems
        The problems, shown in the given order.
    max_value_width
        Longer values are cut with an ellipsis (the message is never cut).

    Returns
    -------
    str
        A table with the columns Fichier, Feuille, Ligne, Colonne, Valeur, Problème.

    Examples
    --------
    >>> print(format_problems([Problem("a.csv", "", 3, "type", "foo", "Valeur inconnue.")]))
    Fichier  Feuille  Ligne  Colonne  Valeur  Problème
    -------  -------  -----  -------  ------  ----------------
    a.csv             3      type     foo     Valeur inconnue.
    """
    rows = [
        (
            p.file,
            p.sheet,
            "" if p.row is None else str(p.row),
            _clip(p.column, 30),
            _clip(p.value, max_value_width),
            " ".join(p.message.split()),
        )
        for p in problems
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(_HEADERS)]
    widths[-1] = max([len(_HEADERS[-1])] + [len(r[-1]) for r in rows])

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(_HEADERS), line(tuple("-" * w for w in widths))]
    out += [line(r) for r in rows]
    return "\n".join(out)


class DatasetValidationError(ValueError):
    """A dataset holds problems; nothing was imported.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, in file, sheet and row order.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problème" if count == 1 else "problèmes"
        super().__init__(
            f"{count} {noun} dans le jeu de données, rien n’a été importé :\n"
            + format_problems(self.problems)
        )
