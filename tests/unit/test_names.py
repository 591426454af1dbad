"""Names are searchable by full pinyin and initials, with surnames read as surnames."""

import pytest

from domain.names import name_pinyin


@pytest.mark.parametrize(
    "name, full, initials",
    [
        ("张三", "zhangsan", "zs"),
        ("单雄信", "shanxiongxin", "sxx"),
        ("曾国藩", "zengguofan", "zgf"),
        ("解缙", "xiejin", "xj"),
        ("欧阳修", "ouyangxiu", "oyx"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("吕布", "lvbu", "lb"),
    ],
)
def test_personal_names_get_the_pinyin_people_type(name, full, initials):
    assert name_pinyin(name) == (full, initials)


def test_a_company_name_is_not_read_as_a_surname():
    full, initials = name_pinyin("单位服务有限公司", personal=False)
    assert full.startswith("dan")


def test_latin_letters_and_digits_survive_and_punctuation_goes():
    assert name_pinyin("ABC科技（深圳）", personal=False) == ("abckejishenzhen", "akjsz")
