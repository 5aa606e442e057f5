"""Vietnam's administrative units before and after 1 July 2025, and the crosswalk between them.

Two sets are shipped: 63 provinces, 696 districts and 10,051 communes in force until
30 June 2025, and 34 provinces and 3,321 communes in force from 1 July 2025. Every lookup
takes ``on=`` (a date) to choose the set; without it, the set in force now. An old unit is
followed to its successor only when asked, through :func:`successor`.

>>> province("91").full_name
'Tỉnh An Giang'
>>> successor("89").new.code
'91'
>>> find_one("TP. Hồ Chí Minh").code
'79'
"""

from lienthong.vn.units.crosswalk import predecessors, successor
from lienthong.vn.units.lookup import (
    commune,
    communes,
    district,
    districts,
    find,
    find_one,
    province,
    provinces,
    unit,
)
from lienthong.vn.units.model import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    Basis,
    Kind,
    Level,
    Succession,
    Unit,
)
from lienthong.vn.units.names import name_key

__all__ = [
    "LAST_DAY_BEFORE_REFORM",
    "REFORM_DATE",
    "Basis",
    "Kind",
    "Level",
    "Succession",
    "Unit",
    "commune",
    "communes",
    "district",
    "districts",
    "find",
    "find_one",
    "name_key",
    "predecessors",
    "province",
    "provinces",
    "successor",
    "unit",
]
