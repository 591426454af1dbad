"""What a typed search means, and how cards hide phone and ID numbers."""

import pytest

from domain.cards import mask_id_number, mask_phone
from domain.search import QueryKind, parse_query


@pytest.mark.parametrize(
    "typed, kind, text",
    [
        ("张三", QueryKind.name, "张三"),
        (" 张 三 ", QueryKind.name, "张三"),
        ("zhangsan", QueryKind.pinyin, "zhangsan"),
        ("ZS", QueryKind.pinyin, "zs"),
        ("5678", QueryKind.phone_last4, "5678"),
        ("c000000123", QueryKind.client_no, "C000000123"),
        ("６７８９", QueryKind.phone_last4, "6789"),
    ],
)
def test_typed_text_is_read_as_a_name_pinyin_phone_digits_or_client_number(typed, kind, text):
    parsed = parse_query(typed)
    assert parsed is not None and (parsed.kind, parsed.text) == (kind, text)


@pytest.mark.parametrize("typed", ["", "   ", "😀😀", "%%%", "'; DROP TABLE client; --"[:2]])
def test_nothing_searchable_gives_no_query(typed):
    assert parse_query(typed) is None


def test_sql_looking_text_is_only_ever_a_name_to_look_for():
    parsed = parse_query("'; DROP TABLE client; --")
    assert parsed is not None and parsed.kind == QueryKind.name and "DROP" in parsed.text


def test_a_very_long_message_is_cut_to_a_searchable_length():
    parsed = parse_query("张" * 4000)
    assert parsed is not None and len(parsed.text) == 64


def test_phones_show_only_the_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


def test_id_numbers_are_never_shown_whole():
    masked = mask_id_number("110101199003071234")
    assert masked == "1101**********1234" and "19900307" not in masked
