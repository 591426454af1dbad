"""Chinese names for the sample bank, with their pinyin looked up rather than computed.

Reading a name with pypinyin costs ~20 µs; a million clients cannot afford it. Every surname and
given-name character below carries its reading, and a name's pinyin is the concatenation of its
parts' readings. That equals `domain.names.name_pinyin` for every surname with every one- and
two-character given name these lists can make (checked exhaustively when the lists were chosen;
tests/unit/test_sample_names.py checks every two-character name and thousands of others). Given-name
characters read differently next to a neighbour are left out: 长, 乐, 和, 重 … and 思 (于思 reads yúsāi)
and 若 (兰若 reads lánrě).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

from domain.names import name_pinyin


def _surnames(table: str) -> tuple[tuple[str, str, float], ...]:
    """`王 wang 7.1 | 欧阳 ou-yang 0.06 | …` → (surname, syllables separated by spaces, weight in %)."""
    entries = (entry.split() for entry in table.replace("\n", "|").split("|") if entry.strip())
    return tuple((surname, reading.replace("-", " "), float(weight)) for surname, reading, weight in entries)


def _characters(table: str) -> tuple[tuple[str, str], ...]:
    """`伟:wei 军:jun …` → ((character, reading), …)."""
    return tuple(tuple(entry.split(":")) for entry in table.split())  # type: ignore[misc]


SURNAMES = _surnames(
    """
    王 wang 7.1 | 李 li 7 | 张 zhang 6.8 | 刘 liu 5.4 | 陈 chen 4.5 | 杨 yang 3.1 | 黄 huang 2.2 | 赵 zhao 2.1
    吴 wu 2 | 周 zhou 1.9 | 徐 xu 1.5 | 孙 sun 1.5 | 马 ma 1.3 | 朱 zhu 1.3 | 胡 hu 1.3 | 郭 guo 1.2
    何 he 1.2 | 高 gao 1.1 | 林 lin 1.1 | 罗 luo 1 | 郑 zheng 0.9 | 梁 liang 0.9 | 谢 xie 0.8 | 宋 song 0.8
    唐 tang 0.8 | 许 xu 0.7 | 韩 han 0.7 | 冯 feng 0.7 | 邓 deng 0.7 | 曹 cao 0.7 | 彭 peng 0.6 | 曾 zeng 0.6
    肖 xiao 0.6 | 田 tian 0.6 | 董 dong 0.5 | 袁 yuan 0.5 | 潘 pan 0.5 | 于 yu 0.5 | 蒋 jiang 0.5 | 蔡 cai 0.5
    余 yu 0.5 | 杜 du 0.5 | 叶 ye 0.5 | 程 cheng 0.4 | 苏 su 0.4 | 魏 wei 0.4 | 吕 lv 0.4 | 丁 ding 0.4
    任 ren 0.4 | 沈 shen 0.4 | 姚 yao 0.4 | 卢 lu 0.4 | 姜 jiang 0.4 | 崔 cui 0.4 | 钟 zhong 0.4 | 谭 tan 0.3
    陆 lu 0.3 | 汪 wang 0.3 | 范 fan 0.3 | 金 jin 0.3 | 石 shi 0.3 | 廖 liao 0.3 | 贾 jia 0.3 | 夏 xia 0.3
    韦 wei 0.3 | 付 fu 0.3 | 方 fang 0.3 | 白 bai 0.3 | 邹 zou 0.3 | 孟 meng 0.3 | 熊 xiong 0.3 | 秦 qin 0.3
    邱 qiu 0.3 | 江 jiang 0.3 | 尹 yin 0.3 | 薛 xue 0.2 | 闫 yan 0.2 | 段 duan 0.2 | 雷 lei 0.2 | 侯 hou 0.2
    龙 long 0.2 | 史 shi 0.2 | 陶 tao 0.2 | 黎 li 0.2 | 贺 he 0.2 | 顾 gu 0.2 | 毛 mao 0.2 | 郝 hao 0.2
    龚 gong 0.2 | 邵 shao 0.2 | 万 wan 0.2 | 钱 qian 0.2 | 严 yan 0.2 | 覃 qin 0.2 | 武 wu 0.2 | 戴 dai 0.2
    莫 mo 0.1 | 孔 kong 0.1 | 向 xiang 0.1 | 汤 tang 0.1 | 单 shan 0.05 | 解 xie 0.05 | 查 zha 0.05 | 仇 qiu 0.03
    朴 piao 0.03 | 区 ou 0.03 | 缪 miao 0.03 | 盖 ge 0.03 | 乐 yue 0.03
    欧阳 ou-yang 0.06 | 司马 si-ma 0.02 | 诸葛 zhu-ge 0.01 | 上官 shang-guan 0.02
    """
)

MALE_GIVEN = _characters(
    """
    伟:wei 军:jun 勇:yong 杰:jie 涛:tao 明:ming 超:chao 刚:gang 建:jian 国:guo 文:wen 鹏:peng
    辉:hui 宇:yu 浩:hao 晨:chen 轩:xuan 睿:rui 博:bo 俊:jun 峰:feng 斌:bin 凯:kai 鸿:hong
    毅:yi 昊:hao 天:tian 亮:liang 德:de 志:zhi 永:yong 海:hai 林:lin 祥:xiang 福:fu 成:cheng
    光:guang 安:an 康:kang 泽:ze 宏:hong 远:yuan 锋:feng 健:jian 晖:hui 航:hang 飞:fei 振:zhen
    新:xin 庆:qing 东:dong 铭:ming 哲:zhe 楠:nan 松:song 枫:feng 磊:lei 鑫:xin 波:bo 强:qiang
    平:ping 华:hua 荣:rong 兴:xing 旺:wang 顺:shun 忠:zhong 义:yi 仁:ren 智:zhi 诚:cheng 恒:heng
    元:yuan 正:zheng 清:qing 民:min 岳:yue 峻:jun 崇:chong 昌:chang 隆:long 涵:han 子:zi 梓:zi
    嘉:jia 佳:jia 家:jia 云:yun 阳:yang 江:jiang 山:shan 川:chuan 晓:xiao 春:chun 秋:qiu 冬:dong
    雨:yu 伦:lun 宁:ning 彬:bin
    """
)

FEMALE_GIVEN = _characters(
    """
    芳:fang 敏:min 静:jing 丽:li 艳:yan 娟:juan 秀:xiu 霞:xia 桂:gui 英:ying 兰:lan 梅:mei
    红:hong 欣:xin 怡:yi 婷:ting 雪:xue 琳:lin 萱:xuan 诗:shi 琪:qi 瑶:yao 婉:wan 慧:hui
    颖:ying 倩:qian 琴:qin 燕:yan 丹:dan 蕾:lei 莉:li 瑞:rui 琦:qi 璐:lu 雯:wen 洁:jie
    薇:wei 晶:jing 菲:fei 露:lu 悦:yue 彤:tong 妍:yan 蓉:rong 岚:lan 珊:shan 凤:feng 翠:cui
    春:chun 月:yue 婧:jing 瑾:jin 璇:xuan 钰:yu 珍:zhen 玲:ling 萍:ping 淑:shu 惠:hui 雅:ya
    琼:qiong 爱:ai 美:mei 娜:na 晴:qing 冰:bing 佳:jia 嘉:jia 子:zi 涵:han 梓:zi 雨:yu
    晓:xiao 文:wen 华:hua 云:yun 宁:ning 秋:qiu 清:qing 心:xin 语:yu 可:ke 安:an 玉:yu
    """
)

CITIES = ("上海", "北京", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "天津",
          "宁波", "无锡", "厦门", "青岛", "合肥", "郑州", "济南", "福州", "昆明", "大连")
BRANDS = ("华信", "鼎盛", "宏达", "恒通", "金源", "瑞丰", "中联", "东方", "远大", "永盛",
          "天成", "博远", "嘉禾", "明德", "华泰", "海澜", "正泰", "创新", "汇丰", "国泰",
          "凯越", "盛世", "锦程", "启航", "卓越", "同创", "联合", "银河", "星辰", "蓝天",
          "绿源", "金桥", "鸿运", "安泰", "鑫源", "德信", "新世纪", "万通", "恒信", "佳禾")
BUSINESSES: tuple[tuple[str, str], ...] = (
    ("科技", "信息传输、软件和信息技术服务业"),
    ("信息技术", "信息传输、软件和信息技术服务业"),
    ("电子", "制造业"),
    ("机械", "制造业"),
    ("化工", "制造业"),
    ("纺织", "制造业"),
    ("汽车配件", "制造业"),
    ("医药", "制造业"),
    ("食品", "制造业"),
    ("材料", "制造业"),
    ("贸易", "批发和零售业"),
    ("商贸", "批发和零售业"),
    ("服饰", "批发和零售业"),
    ("物流", "交通运输、仓储和邮政业"),
    ("置业", "房地产业"),
    ("建设", "建筑业"),
    ("能源", "电力、热力、燃气及水生产和供应业"),
    ("环保", "水利、环境和公共设施管理业"),
    ("投资", "租赁和商务服务业"),
    ("餐饮", "住宿和餐饮业"),
    ("教育", "教育"),
    ("农业", "农、林、牧、渔业"),
)
COMPANY_FORMS = ("有限公司", "股份有限公司", "集团有限公司")


def _objects(values: Iterable[str]) -> np.ndarray:
    items = list(values)
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


@dataclass(frozen=True)
class NameTables:
    """Every name part with its pinyin and initials, as object arrays to index with numpy."""

    surname: np.ndarray
    surname_pinyin: np.ndarray
    surname_initials: np.ndarray
    surname_weights: np.ndarray
    given: tuple[np.ndarray, np.ndarray]
    """(male, female) characters; the last entry of each is "" so a second character can be absent."""
    given_pinyin: tuple[np.ndarray, np.ndarray]
    given_initials: tuple[np.ndarray, np.ndarray]
    company_parts: tuple[np.ndarray, ...]
    company_pinyin: tuple[np.ndarray, ...]
    company_initials: tuple[np.ndarray, ...]
    industry: np.ndarray

    @classmethod
    def build(cls) -> NameTables:
        weights = np.array([w for _, _, w in SURNAMES])
        given = tuple([*table, ("", "")] for table in (MALE_GIVEN, FEMALE_GIVEN))
        parts = (CITIES, BRANDS, tuple(b for b, _ in BUSINESSES), COMPANY_FORMS)
        readings = tuple(tuple(name_pinyin(p, personal=False) for p in group) for group in parts)
        return cls(
            surname=_objects(s for s, _, _ in SURNAMES),
            surname_pinyin=_objects(r.replace(" ", "") for _, r, _ in SURNAMES),
            surname_initials=_objects("".join(x[0] for x in r.split()) for _, r, _ in SURNAMES),
            surname_weights=weights / weights.sum(),
            given=(_objects(c for c, _ in given[0]), _objects(c for c, _ in given[1])),
            given_pinyin=(_objects(p for _, p in given[0]), _objects(p for _, p in given[1])),
            given_initials=(_objects(p[:1] for _, p in given[0]), _objects(p[:1] for _, p in given[1])),
            company_parts=tuple(_objects(group) for group in parts),
            company_pinyin=tuple(_objects(full for full, _ in group) for group in readings),
            company_initials=tuple(_objects(initials for _, initials in group) for group in readings),
            industry=_objects(sector for _, sector in BUSINESSES),
        )


@cache
def tables() -> NameTables:
    return NameTables.build()


def personal_names(rng: np.random.Generator, male: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(name, pinyin, initials) object arrays, one per entry of `male`; a quarter have one given character."""
    t = tables()
    n = len(male)
    surname = rng.choice(len(t.surname), size=n, p=t.surname_weights)
    one_char = rng.random(n) < 0.25
    name = t.surname[surname]
    pinyin = t.surname_pinyin[surname]
    initials = t.surname_initials[surname]
    for sex, chosen in ((0, male), (1, ~male)):
        rows = np.flatnonzero(chosen)
        size = len(t.given[sex]) - 1
        first = rng.integers(0, size, len(rows))
        second = np.where(one_char[rows], size, rng.integers(0, size, len(rows)))
        name[rows] += t.given[sex][first] + t.given[sex][second]
        pinyin[rows] += t.given_pinyin[sex][first] + t.given_pinyin[sex][second]
        initials[rows] += t.given_initials[sex][first] + t.given_initials[sex][second]
    return name, pinyin, initials


def company_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(name, pinyin, initials, industry) of `n` companies: city + brand + business + legal form."""
    t = tables()
    picks = [rng.integers(0, len(group), n) for group in t.company_parts[:3]]
    picks.append(rng.choice(len(COMPANY_FORMS), size=n, p=[0.7, 0.2, 0.1]))
    name, pinyin, initials = (
        groups[0][picks[0]] + groups[1][picks[1]] + groups[2][picks[2]] + groups[3][picks[3]]
        for groups in (t.company_parts, t.company_pinyin, t.company_initials)
    )
    return name, pinyin, initials, t.industry[picks[2]]
