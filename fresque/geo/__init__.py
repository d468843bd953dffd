"""Reference geography of France: régions, départements, EPCI, communes, postal codes.

>>> from fresque.geo import default_territories
>>> default_territories().get("29151").label
'Morlaix (29)'
"""

from fresque.geo.codes import InvalidCodeError, normalize_code
from fresque.geo.territories import (
    AmbiguousTerritoryError,
    Territories,
    Territory,
    TerritoryError,
    UnknownTerritoryError,
    default_territories,
)

__all__ = [
    "AmbiguousTerritoryError",
    "InvalidCodeError",
    "Territories",
    "Territory",
    "TerritoryError",
    "UnknownTerritoryError",
    "default_territories",
    "normalize_code",
]
