"""Enterprise names, legal forms, capital, business lines and statuses in rough shares."""

from __future__ import annotations

from typing import Final

#: Legal forms of the Law on Enterprises 2020, in the rough shares of new registrations.
LEGAL_FORMS: Final[dict[str, float]] = {
    "single_member_llc": 45,
    "multi_member_llc": 27,
    "joint_stock_company": 22,
    "private_enterprise": 5.5,
    "partnership": 0.5,
}

#: How each legal form starts the enterprise's name, in Vietnamese and in English.
NAME_PREFIX: Final[dict[str, tuple[str, str]]] = {
    "single_member_llc": ("Công ty TNHH một thành viên", "One Member Company Limited"),
    "multi_member_llc": ("Công ty TNHH", "Company Limited"),
    "joint_stock_company": ("Công ty cổ phần", "Joint Stock Company"),
    "private_enterprise": ("Doanh nghiệp tư nhân", "Private Enterprise"),
    "partnership": ("Công ty hợp danh", "Partnership"),
}

#: Distinctive name parts (tên riêng), the words entrepreneurs like.
CORE_NAMES: Final[tuple[str, ...]] = (
    "Hòa Bình", "Thành Công", "Phú Thịnh", "An Phát", "Minh Long", "Hưng Thịnh", "Sao Việt",
    "Đại Dương", "Trường Thành", "Phương Nam", "Hoàng Gia", "Tân Tiến", "Việt Hưng", "Hải Đăng",
    "Nam Việt", "Kim Long", "Thiên An", "Bảo Minh", "Ánh Dương", "Đông Á", "Hồng Phát",
    "Thịnh Vượng", "Phúc An", "Quang Minh", "Tài Lộc", "Vạn Xuân", "Sông Hồng", "Cửu Long",
    "Trí Việt", "Đất Việt", "Kim Cương", "Thái Sơn", "Hữu Nghị", "Tín Nghĩa", "Bình Minh",
    "Hưng Long", "Phát Đạt", "Gia Phát", "Thuận Thành", "Nhật Quang", "Tâm An", "Lộc Phát",
    "Mê Kông", "Tây Nguyên", "Trường Sơn", "Hạ Long", "Sài Gòn Xanh", "Thăng Long", "Hòa Phát",
    "Ngọc Khánh", "An Khang", "Phú Quý", "Toàn Cầu", "Viễn Đông", "Vĩnh Hưng", "Hoàng Long",
)  # fmt: skip

#: Sectors: the words in the name, their English, the main VSIC code and related lines.
SECTORS: Final[tuple[tuple[str, str, str, tuple[str, ...], float], ...]] = (
    ("Thương mại và Dịch vụ", "Trading and Services", "4690", ("4610", "4659", "4719", "8299"), 22),
    ("Xây dựng", "Construction", "4100", ("4210", "4290", "4330", "7110", "4663"), 14),
    ("Đầu tư Xây dựng", "Construction Investment", "4290", ("4100", "6810", "7110"), 5),
    ("Vận tải", "Transport", "4933", ("4932", "5210", "5229", "4520"), 6),
    ("Công nghệ", "Technology", "6201", ("6202", "6209", "6311", "4651"), 6),
    ("Thực phẩm", "Food", "1079", ("1010", "1030", "4632", "5610"), 5),
    ("May mặc", "Garment", "1410", ("1311", "1430", "4641"), 4),
    ("Bất động sản", "Real Estate", "6810", ("6820", "4100", "7110"), 4),
    ("Du lịch", "Travel", "7911", ("7912", "5510", "4932"), 3),
    ("Cơ khí", "Mechanical Engineering", "2592", ("2511", "3312", "4520"), 3),
    ("Nông sản", "Agricultural Products", "4620", ("0111", "1061", "4632"), 4),
    ("Xuất nhập khẩu", "Import Export", "4690", ("4620", "4649", "5229"), 5),
    ("Điện máy", "Electronics", "4652", ("4649", "9512", "4742"), 3),
    ("Tư vấn", "Consulting", "7020", ("6920", "7110", "8559"), 4),
    ("Thủy sản", "Seafood", "1020", ("0321", "4632", "0322"), 2),
    ("Nhà hàng", "Restaurant", "5610", ("5621", "5630", "5510"), 3),
    ("Vật liệu xây dựng", "Building Materials", "4663", ("2395", "2392", "4933"), 4),
    ("Dược phẩm", "Pharmaceutical", "4649", ("2100", "4772", "8620"), 2),
    ("Giáo dục", "Education", "8559", ("8560", "8522", "5811"), 1),
    ("In ấn", "Printing", "1811", ("1812", "5811", "7310"), 1),
)  # fmt: skip

#: Charter capital in VND by legal form: (smallest, typical upper bound) of a log-uniform draw.
CAPITAL_RANGE: Final[dict[str, tuple[int, int]]] = {
    "single_member_llc": (100_000_000, 20_000_000_000),
    "multi_member_llc": (500_000_000, 50_000_000_000),
    "joint_stock_company": (1_000_000_000, 500_000_000_000),
    "private_enterprise": (50_000_000, 5_000_000_000),
    "partnership": (500_000_000, 10_000_000_000),
}

#: Enterprise statuses, and the tax status each one usually has.
STATUSES: Final[dict[str, float]] = {
    "active": 82,
    "suspended": 7,
    "in_dissolution": 3,
    "dissolved": 6,
    "certificate_revoked": 1.5,
    "bankrupt": 0.5,
}
TAX_STATUS_OF: Final[dict[str, str]] = {
    "active": "active",
    "suspended": "suspended",
    "in_dissolution": "pending_closure",
    "dissolved": "closed",
    "certificate_revoked": "not_at_address",
    "bankrupt": "closed",
}

#: Names of the joint-stock banks generated in each province to hold mortgages.
BANK_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("Phát triển Nông thôn", "Rural Development"),
    ("Công Thương", "Industry and Trade"),
    ("Đầu tư Địa phương", "Local Investment"),
)
