"""Code lists of the enterprise registry: legal forms and the VSIC 2018 sections and divisions.

Legal forms: the five forms of the Law on Enterprises 2020 (59/2020/QH14) — multi-member
and single-member limited liability companies (Chapter III), joint-stock companies
(Chapter V), partnerships (Chapter VI) and private enterprises (Chapter VII).

Economic activities: the Vietnam Standard Industrial Classification 2018 (VSIC 2018),
Decision 27/2018/QĐ-TTg, which has five levels: 21 sections (A–U), 88 divisions (two
digits), then three-, four- and five-digit codes. Its first two levels follow ISIC Rev. 4.
Only the sections and divisions are shipped; the division list was checked against a
published transcription of the decision's annex, not against the annex itself.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class LegalForm(StrEnum):
    """The legal form of an enterprise (loại hình doanh nghiệp)."""

    MULTI_MEMBER_LLC = "multi_member_llc"  # Công ty trách nhiệm hữu hạn hai thành viên trở lên
    SINGLE_MEMBER_LLC = "single_member_llc"  # Công ty trách nhiệm hữu hạn một thành viên
    JOINT_STOCK_COMPANY = "joint_stock_company"  # Công ty cổ phần
    PARTNERSHIP = "partnership"  # Công ty hợp danh
    PRIVATE_ENTERPRISE = "private_enterprise"  # Doanh nghiệp tư nhân


#: Official Vietnamese name of each legal form.
LEGAL_FORM_NAMES: Final[dict[LegalForm, str]] = {
    LegalForm.MULTI_MEMBER_LLC: "Công ty trách nhiệm hữu hạn hai thành viên trở lên",
    LegalForm.SINGLE_MEMBER_LLC: "Công ty trách nhiệm hữu hạn một thành viên",
    LegalForm.JOINT_STOCK_COMPANY: "Công ty cổ phần",
    LegalForm.PARTNERSHIP: "Công ty hợp danh",
    LegalForm.PRIVATE_ENTERPRISE: "Doanh nghiệp tư nhân",
}

#: Section letter → (Vietnamese name, first division, last division) of VSIC 2018.
VSIC_SECTIONS: Final[dict[str, tuple[str, int, int]]] = {
    "A": ("Nông nghiệp, lâm nghiệp và thủy sản", 1, 3),
    "B": ("Khai khoáng", 5, 9),
    "C": ("Công nghiệp chế biến, chế tạo", 10, 33),
    "D": ("Sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí", 35, 35),
    "E": ("Cung cấp nước; hoạt động quản lý và xử lý rác thải, nước thải", 36, 39),
    "F": ("Xây dựng", 41, 43),
    "G": ("Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy và xe có động cơ khác", 45, 47),
    "H": ("Vận tải kho bãi", 49, 53),
    "I": ("Dịch vụ lưu trú và ăn uống", 55, 56),
    "J": ("Thông tin và truyền thông", 58, 63),
    "K": ("Hoạt động tài chính, ngân hàng và bảo hiểm", 64, 66),
    "L": ("Hoạt động kinh doanh bất động sản", 68, 68),
    "M": ("Hoạt động chuyên môn, khoa học và công nghệ", 69, 75),
    "N": ("Hoạt động hành chính và dịch vụ hỗ trợ", 77, 82),
    "O": (
        "Hoạt động của Đảng Cộng sản, tổ chức chính trị - xã hội, quản lý nhà nước,"
        " an ninh quốc phòng; bảo đảm xã hội bắt buộc",
        84,
        84,
    ),
    "P": ("Giáo dục và đào tạo", 85, 85),
    "Q": ("Y tế và hoạt động trợ giúp xã hội", 86, 88),
    "R": ("Nghệ thuật, vui chơi và giải trí", 90, 93),
    "S": ("Hoạt động dịch vụ khác", 94, 96),
    "T": (
        "Hoạt động làm thuê các công việc trong các hộ gia đình, sản xuất sản phẩm vật chất"
        " và dịch vụ tự tiêu dùng của hộ gia đình",
        97,
        98,
    ),
    "U": ("Hoạt động của các tổ chức và cơ quan quốc tế", 99, 99),
}

#: The 88 two-digit divisions: each section's range is contiguous, and the numbers between
#: ranges (04, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89) are not divisions.
VSIC_DIVISIONS: Final[frozenset[str]] = frozenset(
    f"{number:02d}"
    for _, first, last in VSIC_SECTIONS.values()
    for number in range(first, last + 1)
)


def vsic_section(division: str) -> str | None:
    """Return the section letter of a two-digit division, or None if it is not a division."""
    if division not in VSIC_DIVISIONS:
        return None
    number = int(division)
    for letter, (_, first, last) in VSIC_SECTIONS.items():
        if first <= number <= last:
            return letter
    return None
