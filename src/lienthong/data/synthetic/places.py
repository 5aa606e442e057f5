"""Street names and the words of Vietnamese address lines, north and south."""

from __future__ import annotations

from typing import Final

#: Streets are mostly named after historical figures and events; the same names recur
#: in every city, which is also what real addresses look like.
STREETS: Final[tuple[str, ...]] = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Nguyễn Trãi", "Lê Duẩn", "Hùng Vương", "Điện Biên Phủ", "Phan Chu Trinh", "Phan Bội Châu",
    "Nguyễn Du", "Lê Lai", "Bà Triệu", "Trần Phú", "Ngô Quyền", "Võ Thị Sáu",
    "Nguyễn Thị Minh Khai", "Cách Mạng Tháng Tám", "30 Tháng 4", "Nguyễn Văn Cừ",
    "Lê Thánh Tông", "Hoàng Diệu", "Lý Tự Trọng", "Nguyễn Đình Chiểu", "Trần Quốc Toản",
    "Lê Hồng Phong", "Nguyễn Chí Thanh", "Võ Văn Kiệt", "Tôn Đức Thắng", "Lạc Long Quân",
    "Âu Cơ", "Nguyễn Văn Linh", "Phạm Văn Đồng", "Trường Chinh", "Lê Văn Sỹ", "Hoàng Văn Thụ",
    "Kim Mã", "Đội Cấn", "Giải Phóng", "Tây Sơn", "Chu Văn An", "Yersin", "Pasteur",
    "Nguyễn Thái Học", "Trần Nhân Tông", "Lý Thái Tổ", "Đinh Tiên Hoàng", "Mạc Đĩnh Chi",
)  # fmt: skip

#: Rural place-name words for hamlets (thôn, xóm, ấp, bản) that have names.
HAMLET_NAMES: Final[tuple[str, ...]] = (
    "Đông", "Tây", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Phú Mỹ", "An Lạc", "Tân Lập",
    "Hòa Bình", "Thống Nhất", "Đoàn Kết", "Quyết Tiến", "Tân Thành", "Bình An", "Phú Lợi",
    "Mỹ Hòa", "Long Hưng", "Thạnh Phú", "Cầu Đá", "Đồng Tâm", "Na Hang", "Nà Phặc",
)  # fmt: skip
