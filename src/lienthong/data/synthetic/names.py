"""Middle and given names by sex, with weights, and family names of some ethnic groups.

Family names of the Kinh majority come from ``lienthong.vn.names.FAMILY_NAME_SHARES``.
The lists below are common names with rough weights (higher is more common), chosen to
look like a civil register, not measured frequencies.
"""

from __future__ import annotations

from typing import Final

#: Middle names of men born before 1985: "Văn" dominates.
MALE_MIDDLE_OLDER: Final[dict[str, float]] = {
    "Văn": 60, "Hữu": 6, "Đức": 6, "Minh": 4, "Quốc": 3, "Thanh": 3, "Ngọc": 2, "Công": 3,
    "Xuân": 2, "Đình": 4, "Trọng": 2, "Quang": 2, "Mạnh": 1, "Hồng": 1, "Tiến": 1, "": 2,
}  # fmt: skip
#: Middle names of men born from 1985: "Văn" still common, many others.
MALE_MIDDLE_YOUNGER: Final[dict[str, float]] = {
    "Văn": 28, "Minh": 10, "Đức": 8, "Quốc": 6, "Hoàng": 5, "Gia": 5, "Anh": 4, "Thanh": 3,
    "Ngọc": 2, "Hữu": 4, "Công": 3, "Duy": 4, "Tuấn": 2, "Nhật": 3, "Bảo": 4, "Trọng": 2,
    "Quang": 3, "Đình": 2, "Xuân": 1, "Thành": 2, "": 2,
}  # fmt: skip
#: Middle names of women born before 1985: "Thị" dominates.
FEMALE_MIDDLE_OLDER: Final[dict[str, float]] = {
    "Thị": 65, "Thị Kim": 5, "Thị Thu": 4, "Thị Ngọc": 3, "Thị Thanh": 3, "Thị Minh": 2,
    "Thị Hồng": 2, "Ngọc": 3, "Thu": 2, "Thanh": 3, "Kim": 3, "Minh": 1, "Hồng": 1, "": 3,
}  # fmt: skip
#: Middle names of women born from 1985.
FEMALE_MIDDLE_YOUNGER: Final[dict[str, float]] = {
    "Thị": 30, "Ngọc": 8, "Thu": 5, "Thanh": 4, "Minh": 5, "Bảo": 5, "Khánh": 4, "Phương": 4,
    "Thị Kim": 3, "Thị Thu": 3, "Thị Ngọc": 2, "Kim": 3, "Hồng": 2, "Mai": 2, "Thùy": 3,
    "Diệu": 2, "Tường": 1, "Gia": 2, "Hà": 2, "Quỳnh": 2, "Thảo": 1, "": 2,
}  # fmt: skip

MALE_GIVEN: Final[dict[str, float]] = {
    "An": 8, "Anh": 14, "Bảo": 6, "Bình": 8, "Cường": 9, "Chiến": 5, "Công": 4, "Chung": 3,
    "Dũng": 14, "Duy": 8, "Dương": 4, "Đạt": 9, "Đức": 10, "Định": 3, "Điệp": 2, "Đông": 3,
    "Giang": 4, "Hải": 12, "Hào": 3, "Hậu": 4, "Hiếu": 9, "Hiển": 3, "Hiệp": 4, "Hòa": 5,
    "Hoàng": 8, "Hùng": 14, "Hưng": 9, "Huy": 12, "Khải": 3, "Khang": 5, "Khánh": 6,
    "Khoa": 6, "Khôi": 5, "Kiên": 5, "Lâm": 5, "Lộc": 6, "Long": 11, "Luân": 3, "Lực": 3,
    "Lợi": 4, "Mạnh": 6, "Minh": 14, "Nam": 13, "Nghĩa": 7, "Ngọc": 3, "Nhân": 5, "Nhật": 4,
    "Phát": 5, "Phong": 7, "Phúc": 7, "Phước": 4, "Phương": 3, "Quân": 8, "Quang": 9,
    "Quý": 4, "Quyết": 3, "Sang": 4, "Sơn": 12, "Tài": 6, "Tâm": 6, "Tân": 5, "Thái": 4,
    "Thắng": 10, "Thành": 12, "Thanh": 6, "Thiện": 4, "Thịnh": 6, "Thông": 4, "Thuận": 4,
    "Tiến": 8, "Toàn": 7, "Trí": 5, "Trọng": 4, "Trung": 11, "Trường": 6, "Tú": 5,
    "Tuấn": 15, "Tùng": 7, "Tuyên": 2, "Văn": 2, "Việt": 6, "Vinh": 8, "Vũ": 6, "Vương": 3,
    "Vỹ": 2, "Xuân": 2, "Hạnh": 2, "Hiền": 2, "Hợp": 2, "Kha": 2, "Lân": 2, "Ninh": 2,
    "Nguyên": 5, "Phú": 4, "Quyền": 2, "Sỹ": 2, "Thạch": 2, "Thọ": 3, "Thủy": 2, "Tín": 3,
    "Triều": 2, "Tư": 2, "Uy": 1, "Vĩnh": 2, "Hoan": 2, "Khiêm": 2, "Đăng": 4, "Bách": 3, "Đoàn": 1, "Khoái": 1, "Thụy": 1, "Quảng": 1,
    }  # fmt: skip

FEMALE_GIVEN: Final[dict[str, float]] = {
    "Anh": 14, "An": 6, "Bích": 4, "Châu": 5, "Chi": 6, "Cúc": 3, "Dung": 9, "Duyên": 6,
    "Diệp": 3, "Diệu": 2, "Đào": 4, "Giang": 7, "Hà": 12, "Hạnh": 9, "Hằng": 11, "Hiền": 10,
    "Hoa": 11, "Hòa": 5, "Hồng": 9, "Huệ": 6, "Hương": 15, "Huyền": 11, "Khánh": 3,
    "Khuyên": 2, "Lan": 13, "Liên": 7, "Liễu": 3, "Linh": 15, "Loan": 7, "Ly": 6, "Mai": 12,
    "My": 6, "Mỹ": 3, "Nga": 10, "Ngân": 8, "Ngọc": 10, "Nguyệt": 4, "Nhàn": 4, "Nhi": 7,
    "Nhung": 7, "Oanh": 5, "Phương": 11, "Phượng": 6, "Quyên": 4,
    "Quỳnh": 8, "Sương": 3, "Tâm": 5, "Thảo": 12, "Thanh": 8, "Thắm": 4, "Thoa": 5,
    "Thơ": 4, "Thu": 9, "Thủy": 10, "Thùy": 4, "Thúy": 8, "Thư": 6, "Thương": 6, "Tiên": 4,
    "Trang": 14, "Trâm": 5, "Trinh": 5, "Tuyết": 6, "Uyên": 5, "Vân": 8, "Vi": 3, "Vy": 6,
    "Xuân": 5, "Yến": 8, "Ánh": 4, "Ái": 2, "Bình": 3, "Diễm": 3, "Gấm": 2, "Hậu": 3,
    "Hiên": 1, "Hoài": 3, "Hường": 4, "Kiều": 3, "Lệ": 3, "Lý": 2, "Mơ": 2, "Na": 2,
    "Nương": 2, "Phúc": 2, "Quế": 2, "Sen": 2, "Tú": 2, "Tươi": 3,
    "Vui": 2, "Hân": 4, "Khuê": 2, "Ngát": 2, "Nhiên": 2, "Thy": 3, "Trúc": 3, "Lài": 1,
    "Hòe": 1, "Cẩm": 2, "Đan": 2, "Hảo": 2, "Kim": 3, "Lam": 2, "Ngà": 2, "Hiếu": 1,
    "Thoại": 1, "Xoan": 1, "Dịu": 1, }  # fmt: skip

#: Family names of ethnic groups whose names mostly differ from the Kinh ones
#: (keys are the group codes of docs/registries.md).
ETHNIC_FAMILY_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "08": ("Giàng", "Sùng", "Vàng", "Thào", "Lý", "Hầu", "Mua", "Lầu", "Hờ", "Sình"),
    "03": ("Lò", "Lường", "Cầm", "Quàng", "Lù", "Tòng", "Vi", "Hà", "Điêu"),
    "05": ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu", "Trà", "Lý"),
    "04": ("Lý", "Trương", "Lâm", "Quách", "Hứa", "Châu", "Mạc", "Diệp", "Tăng", "La"),
    "06": ("Bùi", "Đinh", "Quách", "Hà", "Xa"),
    "02": ("Hoàng", "Nông", "Ma", "Lục", "Hà", "Đàm", "Bế", "Lý"),
    "07": ("Hoàng", "Nông", "Lăng", "Vi", "Lý", "Mã", "Chu"),
    "09": ("Bàn", "Triệu", "Đặng", "Lý", "Phùng", "Chảo"),
    "10": ("Siu", "Ksor", "Rơ Châm", "Nay", "Kpă", "Rah Lan"),
    "12": ("Niê", "Byă", "Êban", "Mlô", "Hđơk", "Ksơr"),
}
#: Share of a group's people carrying one of its own family names rather than a Kinh one.
ETHNIC_FAMILY_SHARE: Final = 0.7

#: Old tone placement (``oà``, ``uý``) as legacy records write it, by the vowel pair in
#: the new placement; applied to a share of names whose last syllable ends in the pair.
OLD_TONE_STYLE: Final[dict[str, str]] = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}  # fmt: skip
#: Share of names that could be written in the old tone placement and are.
OLD_TONE_SHARE: Final = 0.3


def old_tone_style(name: str) -> str | None:
    """Return a name with its final syllable in the old tone placement, or None if unchanged."""
    for new, old in OLD_TONE_STYLE.items():
        if name.endswith(new):
            return name[: -len(new)] + old
    return None
