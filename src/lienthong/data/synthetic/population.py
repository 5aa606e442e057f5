"""Where people live and were born, how old they are, and which ethnic group they belong to.

Population by pre-2025 province: approximate 2023 figures in thousands, rounded, from the
General Statistics Office's statistical yearbook. Each old province is mapped to its
post-2025 province with ``lienthong.vn.units.successor``. Migration, age and ethnic
shares are rough published magnitudes used as priors for synthetic data, not statistics.
"""

from __future__ import annotations

from typing import Final

#: Approximate 2023 population (thousands) of the 63 pre-2025 provinces, by old code.
POPULATION_2023: Final[dict[str, int]] = {
    "01": 8587,  # Hà Nội
    "02": 904,  # Hà Giang
    "04": 547,  # Cao Bằng
    "06": 327,  # Bắc Kạn
    "08": 803,  # Tuyên Quang
    "10": 770,  # Lào Cai
    "11": 640,  # Điện Biên
    "12": 482,  # Lai Châu
    "14": 1300,  # Sơn La
    "15": 847,  # Yên Bái
    "17": 880,  # Hòa Bình
    "19": 1336,  # Thái Nguyên
    "20": 802,  # Lạng Sơn
    "22": 1381,  # Quảng Ninh
    "24": 1922,  # Bắc Giang
    "25": 1507,  # Phú Thọ
    "26": 1209,  # Vĩnh Phúc
    "27": 1517,  # Bắc Ninh
    "30": 1950,  # Hải Dương
    "31": 2105,  # Hải Phòng
    "33": 1300,  # Hưng Yên
    "34": 1880,  # Thái Bình
    "35": 880,  # Hà Nam
    "36": 1880,  # Nam Định
    "37": 1010,  # Ninh Bình
    "38": 3760,  # Thanh Hóa
    "40": 3440,  # Nghệ An
    "42": 1330,  # Hà Tĩnh
    "44": 920,  # Quảng Bình
    "45": 650,  # Quảng Trị
    "46": 1170,  # Thừa Thiên Huế
    "48": 1245,  # Đà Nẵng
    "49": 1520,  # Quảng Nam
    "51": 1250,  # Quảng Ngãi
    "52": 1510,  # Bình Định
    "54": 880,  # Phú Yên
    "56": 1260,  # Khánh Hòa
    "58": 600,  # Ninh Thuận
    "60": 1260,  # Bình Thuận
    "62": 580,  # Kon Tum
    "64": 1610,  # Gia Lai
    "66": 1930,  # Đắk Lắk
    "67": 680,  # Đắk Nông
    "68": 1330,  # Lâm Đồng
    "70": 1040,  # Bình Phước
    "72": 1190,  # Tây Ninh
    "74": 2760,  # Bình Dương
    "75": 3260,  # Đồng Nai
    "77": 1190,  # Bà Rịa–Vũng Tàu
    "79": 9460,  # TP. Hồ Chí Minh
    "80": 1730,  # Long An
    "82": 1790,  # Tiền Giang
    "83": 1300,  # Bến Tre
    "84": 1020,  # Trà Vinh
    "86": 1030,  # Vĩnh Long
    "87": 1600,  # Đồng Tháp
    "89": 1910,  # An Giang
    "91": 1760,  # Kiên Giang
    "92": 1260,  # Cần Thơ
    "93": 730,  # Hậu Giang
    "94": 1200,  # Sóc Trăng
    "95": 920,  # Bạc Liêu
    "96": 1210,  # Cà Mau
}

#: Region of each old province, for where migrants come from.
REGIONS: Final[dict[str, str]] = {
    **dict.fromkeys(
        [
            "01",
            "02",
            "04",
            "06",
            "08",
            "10",
            "11",
            "12",
            "14",
            "15",
            "17",
            "19",
            "20",
            "22",
            "24",
            "25",
            "26",
            "27",
            "30",
            "31",
            "33",
            "34",
            "35",
            "36",
            "37",
        ],
        "north",
    ),
    **dict.fromkeys(
        ["38", "40", "42", "44", "45", "46", "48", "49", "51", "52", "54", "56", "58", "60"],
        "centre",
    ),
    **dict.fromkeys(["62", "64", "66", "67", "68"], "highlands"),
    **dict.fromkeys(
        [
            "70",
            "72",
            "74",
            "75",
            "77",
            "79",
            "80",
            "82",
            "83",
            "84",
            "86",
            "87",
            "89",
            "91",
            "92",
            "93",
            "94",
            "95",
            "96",
        ],
        "south",
    ),
}

#: Old provinces people leave more often (the North Central coast, the Red River and
#: Mekong deltas), relative to 1.
EMIGRATION: Final[dict[str, float]] = {
    **dict.fromkeys(["38", "40", "42", "34", "36", "35", "44", "45"], 2.0),
    **dict.fromkeys(["82", "83", "84", "86", "87", "89", "91", "93", "94", "95", "96"], 1.8),
}

#: How strongly a destination region draws migrants from each origin region.
AFFINITY: Final[dict[str, dict[str, float]]] = {
    "north": {"north": 3.0, "centre": 1.5, "highlands": 0.3, "south": 0.3},
    "centre": {"north": 1.0, "centre": 3.0, "highlands": 1.0, "south": 0.5},
    "highlands": {"north": 1.5, "centre": 2.0, "highlands": 1.0, "south": 1.0},
    "south": {"north": 1.0, "centre": 2.0, "highlands": 1.0, "south": 3.0},
}

#: Share of the adults living in a post-2025 province whose birth was registered in
#: another one (the rest were born in one of the province's own old provinces).
MIGRANT_SHARE: Final[dict[str, float]] = {
    "79": 0.36,  # TP. Hồ Chí Minh with Bình Dương and Bà Rịa–Vũng Tàu
    "75": 0.26,  # Đồng Nai with Bình Phước
    "01": 0.20,
    "48": 0.10,
    "24": 0.08,
    "68": 0.08,
    "66": 0.07,
    "31": 0.06,
    "22": 0.06,
    "56": 0.05,
    "52": 0.05,
    "92": 0.04,
    "80": 0.05,
}
DEFAULT_MIGRANT_SHARE: Final = 0.05

#: Share of the population in each five-year age band (0–4, 5–9, … 85+), after the shape
#: of the 2019 census pyramid, rounded.
AGE_BANDS: Final[tuple[float, ...]] = (
    7.6, 8.3, 7.7, 6.9, 6.7, 7.5, 8.3, 8.0, 7.3, 6.7, 5.9, 5.1, 4.3, 3.3, 2.2, 1.5, 1.1, 1.1,
)  # fmt: skip

#: Ethnic groups by post-2025 province (codes of docs/registries.md, weights in per cent).
#: Provinces not listed are Kinh but for a trace of Hoa, Mường and Tày.
ETHNIC_GROUPS: Final[dict[str, dict[str, float]]] = {
    "01": {"01": 98.5, "06": 0.8, "02": 0.3, "09": 0.1, "03": 0.1, "07": 0.1},
    "04": {"02": 41, "07": 31, "08": 11, "09": 10, "01": 6, "15": 1},
    "08": {"01": 28, "02": 24, "08": 19, "09": 12, "07": 6, "15": 5, "25": 2, "43": 1, "46": 1},
    "11": {"08": 36, "03": 34, "01": 19, "29": 3, "09": 2, "35": 1},
    "12": {"08": 38, "03": 32, "01": 15, "09": 12, "35": 2, "25": 1},
    "14": {"03": 53, "08": 17, "01": 17, "06": 8, "09": 2, "34": 2, "29": 1},
    "15": {"01": 49, "08": 16, "02": 15, "09": 12, "03": 3, "25": 2, "07": 2, "40": 1},
    "19": {"01": 62, "02": 23, "07": 6, "09": 5, "15": 2, "18": 1, "08": 1},
    "20": {"07": 42, "02": 35, "01": 16, "09": 4, "15": 1, "04": 1},
    "22": {"01": 88, "09": 5, "02": 3, "18": 2, "15": 1, "04": 1},
    "24": {"01": 92, "07": 3, "02": 2.5, "15": 1.3, "18": 1, "04": 0.2},
    "25": {"01": 79, "06": 19, "09": 1, "02": 0.5, "03": 0.5, "18": 0.5},
    "37": {"01": 99, "06": 1},
    "38": {"01": 83, "06": 9, "03": 6, "08": 0.5, "24": 0.5},
    "40": {"01": 86, "03": 10, "24": 2, "29": 1.3, "08": 1},
    "42": {"01": 99.8, "44": 0.1, "37": 0.1},
    "44": {"01": 94, "23": 5, "31": 1, "44": 0.5},
    "46": {"01": 96, "31": 2, "26": 1, "23": 0.5},
    "48": {"01": 95, "26": 3, "14": 1, "27": 1, "30": 0.5},
    "51": {"01": 71, "14": 10, "19": 9, "13": 5, "30": 2, "27": 2, "52": 0.2, "54": 0.2},
    "52": {"01": 77, "10": 15, "13": 7, "19": 0.5, "17": 0.3},
    "56": {"01": 88, "21": 6, "17": 5, "16": 0.5, "04": 0.5},
    "66": {
        "01": 77,
        "12": 13,
        "20": 2.5,
        "07": 2.5,
        "02": 2.5,
        "10": 1,
        "17": 0.5,
        "13": 0.5,
        "09": 0.5,
        "03": 0.5,
        "08": 0.5,
    },
    "68": {
        "01": 83,
        "16": 6,
        "20": 4,
        "28": 2,
        "17": 1.5,
        "21": 1,
        "04": 1,
        "07": 1,
        "02": 1,
        "36": 0.5,
    },
    "75": {"01": 90, "22": 4, "04": 2.5, "07": 1.5, "02": 1, "32": 0.5, "05": 0.5},
    "79": {"01": 93, "04": 5, "05": 0.7, "07": 0.3, "02": 0.3, "17": 0.2, "32": 0.2},
    "80": {"01": 99, "05": 0.6, "17": 0.2, "04": 0.2},
    "86": {"01": 88, "05": 11, "04": 1},
    "91": {"01": 90, "05": 8.5, "04": 1.2, "17": 0.3},
    "92": {"01": 85, "05": 12, "04": 3},
    "96": {"01": 94, "05": 4.5, "04": 1.5},
}
DEFAULT_ETHNIC_GROUPS: Final[dict[str, float]] = {"01": 99.6, "04": 0.2, "06": 0.1, "02": 0.1}

#: Approximate seat of each post-2025 province (latitude, longitude), for parcel identifiers.
PROVINCE_SEATS: Final[dict[str, tuple[float, float]]] = {
    "01": (21.028, 105.854),
    "04": (22.666, 106.258),
    "08": (21.823, 105.214),
    "11": (21.386, 103.023),
    "12": (22.396, 103.458),
    "14": (21.327, 103.914),
    "15": (21.705, 104.875),
    "19": (21.594, 105.848),
    "20": (21.853, 106.761),
    "22": (20.951, 107.080),
    "24": (21.273, 106.194),
    "25": (21.322, 105.402),
    "31": (20.845, 106.688),
    "33": (20.646, 106.051),
    "37": (20.251, 105.975),
    "38": (19.807, 105.776),
    "40": (18.679, 105.681),
    "42": (18.343, 105.906),
    "44": (17.468, 106.622),
    "46": (16.463, 107.590),
    "48": (16.054, 108.202),
    "51": (15.120, 108.792),
    "52": (13.776, 109.224),
    "56": (12.238, 109.197),
    "66": (12.667, 108.038),
    "68": (11.940, 108.458),
    "75": (10.957, 106.843),
    "79": (10.776, 106.700),
    "80": (10.535, 106.413),
    "82": (10.360, 106.360),
    "86": (10.254, 105.972),
    "91": (10.012, 105.081),
    "92": (10.045, 105.747),
    "96": (9.177, 105.150),
}
