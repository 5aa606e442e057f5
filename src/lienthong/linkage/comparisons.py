"""The Splink comparisons and blocking rules made for Vietnamese records.

Each comparison is written as Splink settings (SQL on the feature columns of
:mod:`lienthong.linkage.features`) so the levels say exactly what they test. Every level
carries a prior m and u probability: training replaces them with estimates from the data,
and a file too small to train on is linked with them as they are (see :data:`PRIORS_NOTE`).

Blocking never uses the family name alone: a third of the country is called Nguyễn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from lienthong.i18n import N_

#: Why the priors below are what they are; stored with a model trained on too little data.
PRIORS_NOTE: Final = N_(
    "Fixed m and u probabilities were used: the files were too small to estimate them."
    " They assume that true matches agree on identifiers and dates of birth nine times in"
    " ten, and that given names and dates of birth each agree by chance about once in fifty"
    " and once in ten thousand pairs."
)

Level = dict[str, Any]
Comparison = dict[str, Any]


def _level(
    label: str, sql: str, m: float, u: float, *, tf: str | None = None, null: bool = False
) -> Level:
    level: Level = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
        return level
    level["m_probability"] = m
    level["u_probability"] = u
    if tf is not None:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
        # A rare value agreeing is strong evidence, but never stronger than this floor allows.
        level["tf_minimum_u_value"] = 0.0001
    return level


#: A pair whose names hold the same words in another order (given name written first).
_SWAPPED: Final = '"name_tokens_l" = "name_tokens_r"'
#: A pair whose family and given names are each other's: the order was read one way on one
#: side and the other way on the other, often with the middle name dropped too.
_EXCHANGED: Final = '"given_l" = "family_r" AND "family_l" = "given_r"'
#: Parts that disagree while the words, all but one, are shared: the order was read
#: differently on each side and one word was mistyped or dropped as well.
_SHARED: Final = 'len(list_intersect("name_words_l", "name_words_r"))'
_NEARLY_SWAPPED: Final = (
    f'"family_l" <> "family_r"'
    f' AND {_SHARED} >= greatest(2, len("name_words_l") - 1, len("name_words_r") - 1)'
)


def _neutral(label: str, sql: str) -> Level:
    # m = u, fixed: the level says nothing, so the evidence is counted once, by the given name.
    level = _level(label, sql, 0.05, 0.05)
    level["fix_m_probability"] = True
    level["fix_u_probability"] = True
    return level


def _null(column: str, label: str = "missing on either side") -> Level:
    return _level(label, f'"{column}_l" IS NULL OR "{column}_r" IS NULL', 0, 0, null=True)


def _else(m: float, u: float) -> Level:
    return _level("anything else", "ELSE", m, u)


def _comparison(name: str, description: str, levels: list[Level]) -> Comparison:
    return {
        "output_column_name": name,
        "comparison_description": description,
        "comparison_levels": levels,
    }


def _exact(column: str, name: str, description: str, m: float, u: float) -> Comparison:
    return _comparison(
        name,
        description,
        [
            _null(column),
            _level("exactly equal", f'"{column}_l" = "{column}_r"', m, u),
            _else(1 - m, 1 - u),
        ],
    )


@dataclass(frozen=True)
class Design:
    """The comparisons and blocking rules of one record type."""

    comparisons: tuple[Comparison, ...]
    #: Pairs scored at prediction: the union of these rules.
    blocking: tuple[str, ...]
    #: Pairs on which EM estimates m: each leaves the comparisons it does not use to learn.
    training: tuple[str, ...]
    #: Rules that admit almost no false matches, to estimate the share of pairs that match.
    deterministic: tuple[str, ...]
    #: The share of true matches the deterministic rules find, for that estimate.
    deterministic_recall: float

    def settings(self, *, link_type: str, probability: float) -> dict[str, Any]:
        """Return Splink settings for this design (untrained: its priors)."""
        return {
            "link_type": link_type,
            "unique_id_column_name": "unique_id",
            "probability_two_random_records_match": probability,
            "comparisons": [dict(comparison) for comparison in self.comparisons],
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": rule} for rule in self.blocking
            ],
            # The level each pair fell in (gamma) is kept only with the matching columns.
            "retain_matching_columns": True,
            "retain_intermediate_calculation_columns": True,
            "max_iterations": 20,
            "em_convergence": 0.001,
        }


def _given_name() -> Comparison:
    return _comparison(
        "given_name",
        "Given name, folded",
        [
            _null("given"),
            _level("exactly equal", '"given_l" = "given_r"', 0.85, 0.02, tf="given"),
            _level("same words in another order", _SWAPPED, 0.02, 0.00001),
            _level("family and given names exchanged", _EXCHANGED, 0.01, 0.00001),
            _level("all words but one shared, in another order", _NEARLY_SWAPPED, 0.01, 0.00001),
            _level("sounds alike", '"given_ph_l" = "given_ph_r"', 0.06, 0.01),
            _level(
                "spelt almost alike",
                'jaro_winkler_similarity("given_l", "given_r") >= 0.92',
                0.05,
                0.03,
            ),
            _else(0.04, 0.94),
        ],
    )


PERSON: Final = Design(
    comparisons=(
        _given_name(),
        _comparison(
            "family_name",
            "Family name, folded",
            [
                _null("family"),
                _level("exactly equal", '"family_l" = "family_r"', 0.9, 0.15, tf="family"),
                _neutral("same words in another order", _SWAPPED),
                _neutral("family and given names exchanged", _EXCHANGED),
                _neutral("all words but one shared, in another order", _NEARLY_SWAPPED),
                _level(
                    "spelt almost alike",
                    'jaro_winkler_similarity("family_l", "family_r") >= 0.9',
                    0.05,
                    0.05,
                ),
                _else(0.05, 0.8),
            ],
        ),
        _comparison(
            "middle_name",
            "Middle name, folded; often dropped",
            [
                _level(
                    "missing on both sides",
                    '"middle_l" IS NULL AND "middle_r" IS NULL',
                    0,
                    0,
                    null=True,
                ),
                _level("exactly equal", '"middle_l" = "middle_r"', 0.7, 0.1),
                _neutral("same words in another order", _SWAPPED),
                _level(
                    "missing on one side", '"middle_l" IS NULL OR "middle_r" IS NULL', 0.15, 0.1
                ),
                _level(
                    "one contains the other",
                    "(' ' || \"middle_l\" || ' ') LIKE ('% ' || \"middle_r\" || ' %')"
                    " OR (' ' || \"middle_r\" || ' ') LIKE ('% ' || \"middle_l\" || ' %')",
                    0.1,
                    0.05,
                ),
                _else(0.05, 0.75),
            ],
        ),
        _comparison(
            "birth_date",
            "Date of birth, full or partial",
            [
                _null("birth_year"),
                _level("same full date", '"birth_date_l" = "birth_date_r"', 0.85, 0.0001),
                _level(
                    "day and month swapped",
                    '"birth_year_l" = "birth_year_r" AND "birth_month_l" = "birth_day_r"'
                    ' AND "birth_day_l" = "birth_month_r"',
                    0.02,
                    0.00001,
                ),
                _level("same year and month", '"birth_ym_l" = "birth_ym_r"', 0.04, 0.001),
                _level(
                    "same year, month unknown on one side",
                    '"birth_year_l" = "birth_year_r"'
                    ' AND ("birth_month_l" IS NULL OR "birth_month_r" IS NULL)',
                    0.03,
                    0.01,
                ),
                _level("same year", '"birth_year_l" = "birth_year_r"', 0.02, 0.012),
                _level("years one apart", 'abs("birth_year_l" - "birth_year_r") <= 1', 0.02, 0.03),
                _else(0.02, 0.95),
            ],
        ),
        _exact("pin", "pin", "Personal identification number", 0.99, 0.000001),
        _exact("cmnd", "cmnd", "Old identity card number (CMND)", 0.95, 0.000001),
        _exact("sex", "sex", "Sex", 0.98, 0.5),
        _comparison(
            "residence",
            "Place of residence (post-2025 units)",
            [
                _level(
                    "missing on either side",
                    '("commune_l" IS NULL AND "province_l" IS NULL)'
                    ' OR ("commune_r" IS NULL AND "province_r" IS NULL)',
                    0,
                    0,
                    null=True,
                ),
                _level("same commune", '"commune_l" = "commune_r"', 0.7, 0.001),
                _level("same province", '"province_l" = "province_r"', 0.15, 0.05),
                _else(0.15, 0.949),
            ],
        ),
    ),
    blocking=(
        'l."pin" = r."pin"',
        'l."cmnd" = r."cmnd"',
        'l."name_tokens" = r."name_tokens" AND l."birth_year" = r."birth_year"',
        'l."given" = r."given" AND l."birth_date" = r."birth_date"',
        'l."family" = r."family" AND l."birth_date" = r."birth_date"',
        'l."birth_date" = r."birth_date" AND l."commune" = r."commune"',
        'l."given_ph" = r."given_ph" AND l."province" = r."province"'
        ' AND l."birth_year" = r."birth_year"',
        'l."name_tokens" = r."name_tokens" AND l."province" = r."province"',
        # A typing error in the given name with a partial date: the rest of the person agrees.
        'l."family" = r."family" AND l."birth_year" = r."birth_year" AND l."commune" = r."commune"',
    ),
    # Each comparison is estimated by at least one rule that does not use its columns.
    training=(
        'l."birth_date" = r."birth_date" AND l."province" = r."province"',
        'l."given" = r."given" AND l."family" = r."family" AND l."commune" = r."commune"',
        'l."name_tokens" = r."name_tokens" AND l."birth_year" = r."birth_year"',
        'l."pin" = r."pin"',
    ),
    deterministic=(
        'l."pin" = r."pin"',
        'l."name_tokens" = r."name_tokens" AND l."birth_date" = r."birth_date"',
    ),
    deterministic_recall=0.8,
)


def _holder_name() -> Comparison:
    return _comparison(
        "holder_name",
        "Name of the first right holder, folded",
        [
            _null("holder_name"),
            _level("exactly equal", '"holder_name_l" = "holder_name_r"', 0.8, 0.001),
            _level(
                "same words in another order", '"holder_tokens_l" = "holder_tokens_r"', 0.05, 0.0001
            ),
            _level(
                "spelt almost alike",
                'jaro_winkler_similarity("holder_name_l", "holder_name_r") >= 0.9',
                0.08,
                0.01,
            ),
            _level("same given name", '"holder_given_l" = "holder_given_r"', 0.04, 0.02),
            _else(0.03, 0.969),
        ],
    )


PARCEL: Final = Design(
    comparisons=(
        _comparison(
            "parcel",
            "Commune, map sheet and parcel number",
            [
                _null("parcel_number"),
                _level(
                    "same commune, sheet and parcel",
                    '"commune_l" = "commune_r" AND "map_sheet_l" = "map_sheet_r"'
                    ' AND "parcel_number_l" = "parcel_number_r"',
                    0.9,
                    0.00001,
                ),
                _level(
                    "same commune and parcel, another sheet",
                    '"commune_l" = "commune_r" AND "parcel_number_l" = "parcel_number_r"',
                    0.04,
                    0.0005,
                ),
                _level("same commune", '"commune_l" = "commune_r"', 0.04, 0.01),
                _level("same province", '"province_l" = "province_r"', 0.01, 0.05),
                _else(0.01, 0.94),
            ],
        ),
        _comparison(
            "area",
            "Area in square metres",
            [
                _null("area"),
                _level(
                    "within 1 %",
                    'abs("area_l" - "area_r") <= 0.01 * greatest("area_l", "area_r")',
                    0.85,
                    0.02,
                ),
                _level(
                    "within 5 %",
                    'abs("area_l" - "area_r") <= 0.05 * greatest("area_l", "area_r")',
                    0.1,
                    0.08,
                ),
                _else(0.05, 0.9),
            ],
        ),
        _holder_name(),
        _comparison(
            "holder_id",
            "Identifier of the first right holder (PIN or CMND)",
            [
                _level(
                    "missing on either side",
                    '("holder_pin_l" IS NULL OR "holder_pin_r" IS NULL)'
                    ' AND ("holder_cmnd_l" IS NULL OR "holder_cmnd_r" IS NULL)',
                    0,
                    0,
                    null=True,
                ),
                _level("same PIN", '"holder_pin_l" = "holder_pin_r"', 0.9, 0.0001),
                _level("same CMND", '"holder_cmnd_l" = "holder_cmnd_r"', 0.05, 0.0001),
                _else(0.05, 0.9998),
            ],
        ),
        _comparison(
            "address",
            "Address line, folded",
            [
                _null("address"),
                _level("exactly equal", '"address_l" = "address_r"', 0.7, 0.01),
                _level(
                    "spelt almost alike",
                    'jaro_winkler_similarity("address_l", "address_r") >= 0.9',
                    0.2,
                    0.05,
                ),
                _else(0.1, 0.94),
            ],
        ),
        _exact("certificate", "certificate", "Certificate number", 0.9, 0.00001),
    ),
    blocking=(
        'l."commune" = r."commune" AND l."map_sheet" = r."map_sheet"'
        ' AND l."parcel_number" = r."parcel_number"',
        'l."holder_pin" = r."holder_pin"',
        'l."holder_cmnd" = r."holder_cmnd"',
        'l."holder_given" = r."holder_given" AND l."commune" = r."commune"',
        'l."certificate" = r."certificate"',
    ),
    training=(
        'l."commune" = r."commune" AND l."map_sheet" = r."map_sheet"'
        ' AND l."parcel_number" = r."parcel_number"',
        'l."holder_pin" = r."holder_pin"',
    ),
    deterministic=(
        'l."commune" = r."commune" AND l."map_sheet" = r."map_sheet"'
        ' AND l."parcel_number" = r."parcel_number"',
        'l."certificate" = r."certificate"',
    ),
    deterministic_recall=0.8,
)

DESIGNS: Final[dict[str, Design]] = {"Person": PERSON, "Parcel": PARCEL}
