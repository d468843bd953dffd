"""What the workshop store refuses, and why (French messages for the participants).

Every refusal is an exception the app can show as it is: the message is French and says
what to do. :class:`ConflictError` carries the current value so that the second of two
people editing the same card sees what the first one wrote.
"""

from __future__ import annotations

from typing import Any

from fresque.io.validate import Problem

__all__ = [
    "ConflictError",
    "InvalidInput",
    "InvalidToken",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "StoreError",
    "WorkshopClosed",
]


class StoreError(Exception):
    """Base class of the store's refusals; ``str(error)`` is the French message."""


class NotFound(StoreError, LookupError):
    """No workshop with that join code, no card or link with that identifier."""


class PermissionDenied(StoreError, PermissionError):
    """The role (or the state of the workshop) does not allow this action."""


class InvalidToken(PermissionDenied):
    """The secret link or token is unknown (mistyped, or the workshop was deleted)."""


class WorkshopClosed(PermissionDenied):
    """The workshop is closed: participants can no longer write."""


class ConflictError(StoreError):
    """Someone changed the card since it was read: nothing was written.

    Attributes
    ----------
    current : Structure, Link or None
        The card as it is now (``None`` when it was removed).
    version : int
        Its current version: resend the edit with this ``expected_version`` to overwrite.
    author : str or None
        Who made the change that came first (a nickname, or the role's name), when known.
    """

    def __init__(
        self,
        message: str,
        current: Any = None,
        version: int | None = None,
        *,
        author: str | None = None,
    ) -> None:
        super().__init__(message)
        self.current = current
        self.version = version
        self.author = author


class RateLimited(StoreError):
    """Too many edits in a short time by one participant.

    Attributes
    ----------
    retry_after : float
        Seconds to wait before the next edit is accepted.
    """

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidInput(StoreError, ValueError):
    """The form holds problems (checked like an import); nothing was written.

    Attributes
    ----------
    problems : list of Problem
        One per problem, ``column`` naming the form field.
    """

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", "", None, "", "", problems)]
        self.problems = list(problems)
        lines = [
            (f"{p.column} : " if p.column else "")
            + p.text
            + (f" (« {p.value} »)" if p.value else "")
            for p in self.problems
        ]
        super().__init__("\n".join(lines))

    @property
    def fields(self) -> dict[str, list[str]]:
        """The messages by form field (``""`` for the form as a whole)."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.column, []).append(p.message)
        return out
