"""Vietnamese identifiers: parse, validate and explain them. Pure functions, no I/O.

Every ``parse_*`` function normalises its input (NFC, white space, separators), returns a
frozen dataclass whose ``describe()`` lists (label, value) pairs with English msgids, and
raises :class:`lienthong.errors.VnError` with a stable ``vn.<kind>.<reason>`` code when the
input cannot be that identifier. Every ``is_valid_*`` function answers the same question
without raising.
"""

from lienthong.vn.ids._common import Description, Province, Sex
from lienthong.vn.ids.cmnd import IdentityCardNumber, is_valid_cmnd, parse_cmnd
from lienthong.vn.ids.identify import Identified, IdKind, Parsed, identify
from lienthong.vn.ids.mst import (
    TaxCode,
    TaxCodeKind,
    is_valid_tax_code,
    parse_tax_code,
    tax_code_check_digit,
)
from lienthong.vn.ids.parcel import (
    GeoCell,
    Parcel,
    ParcelId,
    geohash_decode,
    geohash_encode,
    is_valid_parcel,
    is_valid_parcel_id,
    parse_parcel,
    parse_parcel_id,
)
from lienthong.vn.ids.passport import (
    PassportNumber,
    is_valid_passport_number,
    parse_passport_number,
)
from lienthong.vn.ids.pin import PersonalNumber, compose_pin, is_valid_pin, parse_pin
from lienthong.vn.ids.plate import (
    LOCALITY_PROVINCES,
    Plate,
    VehicleClass,
    is_valid_plate,
    parse_plate,
    plate_localities,
)
from lienthong.vn.ids.td3 import Td3, compose_td3, is_valid_td3, mrz_check_digit, parse_td3

__all__ = [
    "LOCALITY_PROVINCES",
    "Description",
    "GeoCell",
    "IdKind",
    "Identified",
    "IdentityCardNumber",
    "Parcel",
    "ParcelId",
    "Parsed",
    "PassportNumber",
    "PersonalNumber",
    "Plate",
    "Province",
    "Sex",
    "TaxCode",
    "TaxCodeKind",
    "Td3",
    "VehicleClass",
    "compose_pin",
    "compose_td3",
    "geohash_decode",
    "geohash_encode",
    "identify",
    "is_valid_cmnd",
    "is_valid_parcel",
    "is_valid_parcel_id",
    "is_valid_passport_number",
    "is_valid_pin",
    "is_valid_plate",
    "is_valid_tax_code",
    "is_valid_td3",
    "mrz_check_digit",
    "parse_cmnd",
    "parse_parcel",
    "parse_parcel_id",
    "parse_passport_number",
    "parse_pin",
    "parse_plate",
    "parse_tax_code",
    "parse_td3",
    "plate_localities",
    "tax_code_check_digit",
]
