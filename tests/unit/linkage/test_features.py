"""Comparison features: the same person written differently gets the same keys."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lienthong.linkage.features import (
    PARCEL_COLUMNS,
    PERSON_COLUMNS,
    date_features,
    name_features,
    parcel_features,
    person_features,
    province_of,
)


class TestNames:
    def test_folds_diacritics_and_d_with_stroke(self) -> None:
        name = name_features("Đặng Thị Hoà")
        assert (name.family, name.middle, name.given) == ("dang", "thi", "hoa")

    def test_tone_placement_does_not_matter(self) -> None:
        assert name_features("Lê Thị Hoà") == name_features("Lê Thị Hòa")

    def test_given_name_first_is_put_back_in_order(self) -> None:
        straight = name_features("Nguyễn Minh Khải")
        swapped = name_features("Minh Khải NGUYỄN")
        assert (swapped.family, swapped.given) == (straight.family, straight.given)

    def test_a_given_name_folding_like_a_family_name_keeps_the_order(self) -> None:
        # Nguyên folds like Nguyễn and Trinh like Trịnh: written with diacritics they are given names.
        assert name_features("Vàng Nguyên").given == "nguyen"
        assert name_features("Quàng Thị Trinh").family == "quang"
        assert name_features("Minh Khải Nguyễn").given == "khai"

    def test_a_mistyped_family_name_keeps_the_order(self) -> None:
        # Hà, Mai and Vi are family names and given names: the mistyped first word decides.
        assert name_features("Nguykễn Phương Hà").given == "ha"
        assert name_features("Đặnsg Phương Mai").given == "mai"
        assert name_features("Gianxg Thị Vi").given == "vi"

    def test_a_mistyped_family_name_at_the_end_is_read_given_name_first(self) -> None:
        name = name_features("Van Trung Bguyen")
        assert (name.family, name.middle, name.given) == ("bguyen", "van", "trung")

    def test_short_given_names_near_a_family_name_change_nothing(self) -> None:
        # Minh is one letter from Ninh, Vang from Tăng: no sign of a typing error.
        assert name_features("Minh Khải Nguyễn").given == "khai"
        assert name_features("Vang Nguyen").family == "nguyen"
        # Nhung is one letter from Phùng, a rare family name: only common ones are read so.
        assert name_features("Lăng Thu Nhung").given == "nhung"

    def test_sorted_words_equal_whatever_the_order(self) -> None:
        # "Mai" is a family name too, so the order cannot be detected: the bag of words still equals.
        assert name_features("Mai Nguyễn").tokens == name_features("Nguyễn Mai").tokens
        assert name_features("thi uyen cam").tokens == name_features("Cầm Thị Uyên").tokens

    def test_phonetic_key_merges_regional_spellings(self) -> None:
        assert (
            name_features("Nguyễn Văn Trường").given_ph
            == name_features("Nguyễn Văn Chường").given_ph
        )
        assert name_features("Lê Thị Dung").given_ph == name_features("Lê Thị Vung").given_ph
        assert name_features("Lê Thị Dung").given_ph != name_features("Lê Thị Hương").given_ph

    def test_parts_given_separately_are_used_as_they_are(self) -> None:
        name = name_features(None, "Tôn Thất", "", "Thuyết")
        assert (name.family, name.middle, name.given) == ("ton that", None, "thuyet")
        assert name.tokens == "that thuyet ton"

    def test_a_name_with_digits_still_gives_keys(self) -> None:
        name = name_features("Nguyen Van An 2")
        assert (name.family, name.given) == ("nguyen", "an")

    def test_no_name_is_nothing(self) -> None:
        assert name_features(None) == name_features("   ")
        assert name_features(None).given is None
        assert name_features(None).tokens is None


class TestDates:
    def test_full_date(self) -> None:
        date = date_features("1985-03-05")
        assert date is not None
        assert (date.full, date.year_month, date.year, date.month, date.day) == (
            "1985-03-05",
            "1985-03",
            1985,
            3,
            5,
        )

    def test_partial_dates_keep_what_they_know(self) -> None:
        month = date_features("1985-03")
        year = date_features("1985")
        assert month is not None and (month.full, month.year_month, month.day) == (
            None,
            "1985-03",
            None,
        )
        assert year is not None and (year.full, year.year_month, year.year) == (None, None, 1985)

    def test_legacy_formats_are_read(self) -> None:
        assert date_features("05/03/1985") == date_features("1985-03-05")

    @pytest.mark.parametrize("text", [None, "", "  ", "not a date", "31/02/1985"])
    def test_missing_or_unreadable_is_nothing(self, text: str | None) -> None:
        assert date_features(text) is None


class TestUnits:
    def test_province_of_a_post_2025_commune(self) -> None:
        assert province_of("00004") == "01"

    @pytest.mark.parametrize("code", [None, "", "99999", "abc"])
    def test_unknown_commune_has_no_province(self, code: str | None) -> None:
        assert province_of(code) is None


class TestTables:
    def test_person_table_has_every_column_and_row(self) -> None:
        table = pa.table(
            {
                "unique_id": ["a", "b"],
                "full_name": ["Nguyễn Văn An", None],
                "birth_date": ["1990-01-02", "1990"],
                "sex": ["Nam", "female"],
                "commune": ["00004", None],
                "pin": [" 001090000001 ", None],
            }
        )
        features = person_features(table)
        assert tuple(features.column_names) == PERSON_COLUMNS
        rows = features.to_pylist()
        assert rows[0]["given"] == "an" and rows[0]["province"] == "01"
        assert rows[0]["name_words"] == ["an", "nguyen", "van"]
        assert rows[0]["sex"] == "male" and rows[0]["pin"] == "001090000001"
        assert rows[1]["given"] is None and rows[1]["birth_year"] == 1990
        assert rows[1]["birth_date"] is None and rows[1]["cmnd"] is None

    def test_parcel_numbers_and_areas_are_normalised(self) -> None:
        table = pa.table(
            {
                "unique_id": ["p"],
                "commune": ["00004"],
                "map_sheet": ["07"],
                "parcel_number": ["0123"],
                "area_m2": ["116,1"],
                "holder_name": ["Trần Thị Bích"],
                "certificate": ["CD 779451"],
            }
        )
        row = parcel_features(table).to_pylist()[0]
        assert tuple(parcel_features(table).column_names) == PARCEL_COLUMNS
        assert (row["map_sheet"], row["parcel_number"], row["area"]) == ("7", "123", 116.1)
        assert (row["holder_name"], row["holder_given"]) == ("tran thi bich", "bich")
        assert row["certificate"] == "cd779451" and row["province"] == "01"
        assert row["holder_pin"] is None

    def test_bad_areas_are_nothing(self) -> None:
        table = pa.table({"unique_id": ["a", "b", "c"], "area_m2": ["-3", "abc", "0"]})
        assert parcel_features(table).column("area").to_pylist() == [None, None, None]
