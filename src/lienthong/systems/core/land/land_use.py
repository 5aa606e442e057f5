"""Land-use types (loại đất) and their codes, as a parcel records them.

Source: the categories of the Land Law 2024 (31/2024/QH15, art. 9) with the codes of the
land statistics and inventory rules — Circular 27/2018/TT-BTNMT, annex 1, whose codes
Circular 08/2024/TT-BTNMT carries forward. Neither annex was read in full: the codes were
taken from published transcriptions of the 2018 annex, and ``CNT`` (concentrated
livestock land, a category new in the 2024 law) was seen only in secondary sources.
Only detailed codes are listed: group codes (NNP, SXN, CHN, LUA, HNK, LNP, PNN, OCT, CDG,
DSN, CSK, CCC, CSD) are aggregates of statistics, never the use of one parcel.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class LandGroup(StrEnum):
    """The three groups of land in the Land Law 2024, art. 9."""

    AGRICULTURAL = "agricultural"
    NON_AGRICULTURAL = "non_agricultural"
    UNUSED = "unused"


_A, _N, _U = LandGroup.AGRICULTURAL, LandGroup.NON_AGRICULTURAL, LandGroup.UNUSED

#: Code → (official Vietnamese name, group) of each detailed land-use type.
LAND_USE_TYPES: Final[dict[str, tuple[str, LandGroup]]] = {
    # Agricultural land
    "LUC": ("Đất chuyên trồng lúa", _A),
    "LUK": ("Đất trồng lúa còn lại", _A),
    "LUN": ("Đất trồng lúa nương", _A),
    "BHK": ("Đất bằng trồng cây hằng năm khác", _A),
    "NHK": ("Đất nương rẫy trồng cây hằng năm khác", _A),
    "CLN": ("Đất trồng cây lâu năm", _A),
    "RSX": ("Đất rừng sản xuất", _A),
    "RPH": ("Đất rừng phòng hộ", _A),
    "RDD": ("Đất rừng đặc dụng", _A),
    "NTS": ("Đất nuôi trồng thủy sản", _A),
    "CNT": ("Đất chăn nuôi tập trung", _A),
    "LMU": ("Đất làm muối", _A),
    "NKH": ("Đất nông nghiệp khác", _A),
    # Non-agricultural land
    "ONT": ("Đất ở tại nông thôn", _N),
    "ODT": ("Đất ở tại đô thị", _N),
    "TSC": ("Đất xây dựng trụ sở cơ quan", _N),
    "CQP": ("Đất quốc phòng", _N),
    "CAN": ("Đất an ninh", _N),
    "DTS": ("Đất xây dựng trụ sở của tổ chức sự nghiệp", _N),
    "DVH": ("Đất xây dựng cơ sở văn hóa", _N),
    "DXH": ("Đất xây dựng cơ sở dịch vụ xã hội", _N),
    "DYT": ("Đất xây dựng cơ sở y tế", _N),
    "DGD": ("Đất xây dựng cơ sở giáo dục và đào tạo", _N),
    "DTT": ("Đất xây dựng cơ sở thể dục thể thao", _N),
    "DKH": ("Đất xây dựng cơ sở khoa học và công nghệ", _N),
    "DNG": ("Đất xây dựng cơ sở ngoại giao", _N),
    "DSK": ("Đất xây dựng công trình sự nghiệp khác", _N),
    "SKK": ("Đất khu công nghiệp", _N),
    "SKN": ("Đất cụm công nghiệp", _N),
    "SKT": ("Đất khu chế xuất", _N),
    "TMD": ("Đất thương mại, dịch vụ", _N),
    "SKC": ("Đất cơ sở sản xuất phi nông nghiệp", _N),
    "SKS": ("Đất sử dụng cho hoạt động khoáng sản", _N),
    "SKX": ("Đất sản xuất vật liệu xây dựng, làm đồ gốm", _N),
    "DGT": ("Đất giao thông", _N),
    "DTL": ("Đất thủy lợi", _N),
    "DDT": ("Đất có di tích lịch sử - văn hóa", _N),
    "DDL": ("Đất danh lam thắng cảnh", _N),
    "DSH": ("Đất sinh hoạt cộng đồng", _N),
    "DKV": ("Đất khu vui chơi, giải trí công cộng", _N),
    "DNL": ("Đất công trình năng lượng", _N),
    "DBV": ("Đất công trình bưu chính, viễn thông", _N),
    "DCH": ("Đất chợ", _N),
    "DRA": ("Đất bãi thải, xử lý chất thải", _N),
    "DCK": ("Đất công trình công cộng khác", _N),
    "TON": ("Đất cơ sở tôn giáo", _N),
    "TIN": ("Đất cơ sở tín ngưỡng", _N),
    "NTD": ("Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng", _N),
    "SON": ("Đất sông, ngòi, kênh, rạch, suối", _N),
    "MNC": ("Đất có mặt nước chuyên dùng", _N),
    "PNK": ("Đất phi nông nghiệp khác", _N),
    # Unused land
    "BCS": ("Đất bằng chưa sử dụng", _U),
    "DCS": ("Đất đồi núi chưa sử dụng", _U),
    "NCS": ("Núi đá không có rừng cây", _U),
}
