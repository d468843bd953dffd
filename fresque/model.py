"""The vocabulary of Fresque: enums and records shared by every module.

French and English labels for these values live in :mod:`fresque.i18n`.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Administrative level of a territory, from the whole country down to the commune."""

    COUNTRY = "country"
    REGION = "region"
    DEPARTEMENT = "departement"
    EPCI = "epci"
    COMMUNE = "commune"
