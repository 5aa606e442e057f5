"""Vehicles, land uses and fees: makes and models, plate series, land-use mixes, procedures."""

from __future__ import annotations

from typing import Final

#: Vehicle kinds in rough shares of the registered fleet (motorcycles dominate).
VEHICLE_KINDS: Final[dict[str, float]] = {
    "motorcycle": 82,
    "moped": 3,
    "car": 11,
    "pickup": 1,
    "truck": 2.5,
    "bus": 0.5,
}

#: Make, model and engine-number prefix of each kind, with weights.
MODELS: Final[dict[str, tuple[tuple[str, str, str, float], ...]]] = {
    "motorcycle": (
        ("Honda", "Wave Alpha", "JA39E", 14), ("Honda", "Vision", "JK03E", 12),
        ("Honda", "Air Blade", "JF63E", 8), ("Honda", "Lead", "JF83E", 5),
        ("Honda", "SH Mode", "JK12E", 4), ("Honda", "Future", "JC91E", 4),
        ("Honda", "Winner X", "KC26E", 3), ("Yamaha", "Sirius", "5C64", 7),
        ("Yamaha", "Exciter", "G3D4E", 5), ("Yamaha", "Janus", "E3X9E", 3),
        ("Yamaha", "Grande", "E33KE", 2), ("Suzuki", "Raider", "CGA1", 1),
        ("Piaggio", "Vespa Sprint", "M82", 1), ("SYM", "Elegant", "VMMA", 2),
        ("VinFast", "Evo200", "VFEV", 1), ("VinFast", "Klara S", "VFKL", 1),
    ),
    "moped": (("Honda", "Cub 50", "C50E", 2), ("SYM", "Elite 50", "VMEL", 1)),
    "car": (
        ("Toyota", "Vios", "2NR", 8), ("Toyota", "Corolla Cross", "2ZR", 4),
        ("Toyota", "Innova", "1TR", 4), ("Toyota", "Fortuner", "2GD", 3),
        ("Hyundai", "Accent", "G4FL", 6), ("Hyundai", "Creta", "G4NA", 4),
        ("Hyundai", "Grand i10", "G4LA", 5), ("Hyundai", "Santa Fe", "G4KN", 2),
        ("Kia", "Morning", "G4LA", 4), ("Kia", "Seltos", "G4FL", 3), ("Kia", "Carnival", "D4HE", 1),
        ("Mazda", "CX-5", "PY", 3), ("Mazda", "Mazda3", "PE", 3), ("Ford", "Everest", "YN2S", 2),
        ("Ford", "Territory", "F15", 2), ("Honda", "City", "L15Z", 4), ("Honda", "CR-V", "L15B", 2),
        ("Mitsubishi", "Xpander", "4A91", 5), ("VinFast", "VF 3", "VFE3", 3),
        ("VinFast", "VF 5", "VFE5", 3), ("VinFast", "VF 8", "VFE8", 2),
    ),
    "pickup": (("Ford", "Ranger", "YN2S", 3), ("Mitsubishi", "Triton", "4N15", 1)),
    "truck": (
        ("Hyundai", "Mighty", "D4GA", 3), ("Isuzu", "QKR", "4JH1", 3), ("Thaco", "Ollin", "4DW9", 2),
        ("Hino", "300 Series", "N04C", 2), ("Thaco", "Kia K250", "D4CB", 2),
    ),
    "bus": (("Thaco", "Town", "WP7", 1), ("Hyundai", "County", "D4GA", 1), ("Samco", "Felix", "4HK1", 1)),
}  # fmt: skip

#: Plate series letters by kind (Circular 79/2024/TT-BCA writes ``30A-123.45`` for cars and
#: ``30-A1 123.45`` for motorcycles); I, J, O, Q and W are never used.
CAR_SERIES: Final[dict[str, str]] = {
    "car": "AFGHK",
    "pickup": "C",
    "truck": "C",
    "bus": "B",
}
MOTORCYCLE_LETTERS: Final = "ABCDEFGHKLMNPSTUVXYZ"

#: World manufacturer identifiers (VIN positions 1–3) of each make's cars built or sold here.
WMI: Final[dict[str, str]] = {
    "Toyota": "RL4",
    "Hyundai": "RLL",
    "Kia": "RNY",
    "Mazda": "RP8",
    "Ford": "RLF",
    "Honda": "RLH",
    "Mitsubishi": "RLA",
    "VinFast": "RLV",
    "Isuzu": "RLJ",
    "Thaco": "RNK",
    "Hino": "RLN",
    "Samco": "RLS",
}
#: Model-year letters of VIN position 10, 2001–2030 (I, O, Q, U, Z and 0 are skipped).
VIN_YEARS: Final = "123456789ABCDEFGHJKLMNPRSTVWXY"
VIN_CHARACTERS: Final = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

COLOURS: Final[dict[str, float]] = {
    "Trắng": 22, "Đen": 24, "Bạc": 12, "Xám": 10, "Đỏ": 12, "Xanh": 10, "Vàng cát": 4, "Nâu": 3,
    "Xanh đen": 3,
}  # fmt: skip

VEHICLE_STATUSES: Final[dict[str, float]] = {
    "registered": 95,
    "deregistered": 2,
    "scrapped": 2,
    "stolen": 1,
}

#: Land-use mixes of a parcel in a ward (phường) and in a rural commune (xã, đặc khu):
#: (main code, second code or "", smallest and largest area in m², weight).
URBAN_USES: Final[tuple[tuple[str, str, int, int, float], ...]] = (
    ("ODT", "", 30, 180, 80),
    ("ODT", "CLN", 100, 400, 6),
    ("TMD", "", 80, 600, 4),
    ("SKC", "", 500, 5000, 2),
    ("CLN", "", 200, 2000, 8),
)
RURAL_USES: Final[tuple[tuple[str, str, int, int, float], ...]] = (
    ("ONT", "", 100, 400, 30),
    ("ONT", "CLN", 200, 1200, 20),
    ("LUC", "", 360, 3600, 20),
    ("CLN", "", 300, 5000, 12),
    ("BHK", "", 200, 2000, 6),
    ("NTS", "", 500, 8000, 5),
    ("RSX", "", 2000, 30000, 7),
)
#: Uses granted for a term (agricultural land: 50 years), not long-term.
TERM_USES: Final = frozenset({"LUC", "CLN", "BHK", "NTS", "RSX"})
#: Series of land-use right certificates (two letters and six digits).
CERTIFICATE_SERIES: Final = ("AA", "AB", "AC", "BA", "BB", "BC", "BD", "CA", "CB", "CD", "DA", "DB")

#: Procedures of the national catalogue whose fees communes collect, with fee amounts in VND.
PROCEDURES: Final[tuple[tuple[str, tuple[int, ...], float], ...]] = (
    ("1.001612", (8_000, 10_000), 20),  # copy of a civil-status extract
    ("1.004227", (2_000, 4_000, 6_000, 10_000), 25),  # certified copies
    ("1.001193", (20_000, 30_000), 10),  # permanent residence registration
    ("1.004222", (15_000, 25_000), 8),  # temporary residence registration
    ("1.003583", (100_000, 200_000, 500_000), 8),  # land registration changes
    ("2.000889", (50_000, 100_000), 8),  # household business registration
    ("1.000656", (30_000, 50_000), 6),  # marriage status confirmation
    ("1.001022", (1_000_000, 2_000_000, 3_000_000), 3),  # construction permit
    ("1.005461", (100_000, 150_000), 6),  # certificate re-issue
    ("2.001823", (500_000,), 2),  # land-use right certificate fee
)
CHANNELS: Final[dict[str, float]] = {
    "national_portal": 30,
    "counter": 30,
    "bank_transfer": 20,
    "e_wallet": 12,
    "card": 8,
}

#: Central budget units generated for a national run: (name, parent index or None).
CENTRAL_UNITS: Final[tuple[tuple[str, int | None], ...]] = (
    ("Bộ Tài chính", None),
    ("Kho bạc Nhà nước", 0),
    ("Bộ Công an", None),
    ("Bộ Y tế", None),
    ("Bộ Nông nghiệp và Môi trường", None),
    ("Bộ Xây dựng", None),
    ("Văn phòng Chính phủ", None),
)
