"""Pinyin of Chinese personal names, for search by `zhangsan` or `zs`.

pypinyin reads characters as words; surnames have readings of their own (单 Shàn, 曾 Zēng,
解 Xiè …), so the surname is read from a small table first. ü is written `v`, as phone keyboards do.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "区": ("ou",), "仇": ("qiu",),
    "朴": ("piao",), "查": ("zha",), "乐": ("yue",), "覃": ("qin",), "盖": ("ge",),
    "缪": ("miao",), "员": ("yun",), "种": ("chong",), "繁": ("po",), "瞿": ("qu",),
    "尉迟": ("yu", "chi"), "万俟": ("mo", "qi"), "长孙": ("zhang", "sun"), "澹台": ("tan", "tai"),
    "令狐": ("ling", "hu"), "单于": ("chan", "yu"), "宇文": ("yu", "wen"), "上官": ("shang", "guan"),
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "诸葛": ("zhu", "ge"), "皇甫": ("huang", "fu"),
    "东方": ("dong", "fang"), "公孙": ("gong", "sun"), "夏侯": ("xia", "hou"), "慕容": ("mu", "rong"),
}

_NOT_LETTERS = re.compile(r"[^a-z0-9]")


def _syllables(text: str) -> list[str]:
    return [s for s in (_NOT_LETTERS.sub("", p.lower()) for p in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)) if s]


@lru_cache(maxsize=65536)
def name_pinyin(name: str, *, personal: bool = True) -> tuple[str, str]:
    """(full pinyin, initials) of a name: `张三` → (`zhangsan`, `zs`)."""
    name = name.strip()
    syllables: list[str] = []
    rest = name
    if personal:
        for length in (2, 1):
            reading = SURNAME_READINGS.get(name[:length])
            if reading and len(name) > length:
                syllables.extend(reading)
                rest = name[length:]
                break
    syllables.extend(_syllables(rest))
    return "".join(syllables), "".join(s[0] for s in syllables)
