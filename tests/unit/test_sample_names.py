"""The sample bank's fast pinyin is exactly what `domain.names.name_pinyin` reads."""

import numpy as np

from domain.names import name_pinyin
from domain.sample.names import (
    FEMALE_GIVEN,
    MALE_GIVEN,
    SURNAMES,
    company_names,
    personal_names,
    tables,
)


def test_every_surname_with_every_given_character_reads_as_name_pinyin_reads_it():
    t = tables()
    given = {char: reading for char, reading in MALE_GIVEN + FEMALE_GIVEN}
    wrong = []
    for surname, reading, initials in zip(t.surname, t.surname_pinyin, t.surname_initials, strict=True):
        for char, char_reading in given.items():
            expected = (reading + char_reading, initials + char_reading[0])
            if name_pinyin(surname + char) != expected:
                wrong.append((surname + char, expected, name_pinyin(surname + char)))
    assert wrong == []


def test_a_few_thousand_generated_names_have_the_pinyin_name_pinyin_gives_them():
    rng = np.random.default_rng(20240229)
    names, pinyin, initials = personal_names(rng, rng.random(4000) < 0.5)
    assert [name_pinyin(n) for n in names] == list(zip(pinyin, initials, strict=True))


def test_generated_company_names_read_as_company_names_not_as_surnames():
    rng = np.random.default_rng(8)
    names, pinyin, initials, industry = company_names(rng, 2000)
    assert [name_pinyin(n, personal=False) for n in names] == list(zip(pinyin, initials, strict=True))
    assert all(industry)


def test_surnames_read_as_surnames_where_the_character_has_another_common_reading():
    readings = {surname: reading.replace(" ", "") for surname, reading, _ in SURNAMES}
    assert (readings["曾"], readings["单"], readings["解"], readings["区"], readings["吕"]) == (
        "zeng",
        "shan",
        "xie",
        "ou",
        "lv",
    )


def test_names_have_one_or_two_given_characters_after_a_surname():
    rng = np.random.default_rng(1)
    names, _, _ = personal_names(rng, rng.random(2000) < 0.5)
    lengths = {len(n) for n in names}
    assert lengths <= {2, 3, 4}
    assert {2, 3} <= lengths


def test_the_same_seed_gives_the_same_names():
    first = personal_names(np.random.default_rng(3), np.arange(100) % 2 == 0)
    second = personal_names(np.random.default_rng(3), np.arange(100) % 2 == 0)
    assert all((a == b).all() for a, b in zip(first, second, strict=True))
