"""The columns each kind of file may have, under their English and Chinese headers.

A header matches a column when it equals the column's name or one of its aliases, ignoring case,
spaces, `_`, `-`, `.` and a unit in brackets (`金额(元)` is `金额`). Columns a kind does not know
are ignored and listed in the report; a required column that is missing refuses the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.importing.errors import ImportRefused
from domain.importing.parsing import normalise_word


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    """Other headers meaning the same column, English and Chinese (`docs/import.md` lists them)."""
    required: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _c(name: str, *aliases: str, required: bool = False) -> Column:
    return Column(name, aliases, required)


CLIENT_NO = _c("client_no", "客户号", "客户编号", "客户代码", "customer_no", "client", required=True)

UNIT_COLUMNS = (
    _c("code", "unit_code", "机构号", "机构代码", "机构编号", "单位代码", "代码", required=True),
    _c("name", "机构名称", "单位名称", "名称", required=True),
    _c("kind", "type", "level", "类型", "机构类型", "层级", required=True),
    _c("parent", "parent_code", "上级", "上级机构", "上级机构号", "上级代码", required=True),
)

STAFF_COLUMNS = (
    _c("employee_no", "employee", "staff_no", "工号", "员工号", "员工编号", "柜员号", required=True),
    _c("name", "姓名", "名称", required=True),
    _c("role", "角色", "岗位", "职务", required=True),
    _c("unit", "unit_code", "机构", "机构号", "所属机构", "单位", required=True),
    _c("team", "team_code", "团队", "团队代码", "团队号", "所属团队"),
    _c("active", "在职", "是否在职", "状态"),
)

CLIENT_COLUMNS = (
    CLIENT_NO,
    _c("name", "姓名", "客户名称", "客户姓名", "名称", required=True),
    _c("kind", "client_kind", "客户类型", "客户类别", "类型"),
    _c("rm", "rm_employee_no", "客户经理", "客户经理工号", "管户经理", "管户人"),
    _c("original_rm", "初始维护人", "原始维护人", "初始客户经理"),
    _c("unit", "unit_code", "机构", "机构号", "所属机构"),
    _c("phone", "mobile", "手机", "手机号", "手机号码", "电话", "联系电话"),
    _c("id_number", "id_no", "证件号", "证件号码", "身份证号"),
    _c("gender", "sex", "性别"),
    _c("birthday", "birth_date", "date_of_birth", "生日", "出生日期"),
    _c("lunar_birthday", "农历生日", "阴历生日"),
    _c("lunar_leap", "leap", "闰月"),
    _c("tier", "层级", "客户层级", "分层", "客户分层"),
    _c("value_class", "价值分类", "客户价值", "价值类别"),
    _c("corp_size", "企业规模", "规模"),
    _c("corp_contribution", "贡献度", "客户贡献"),
    _c("industry", "行业"),
    _c("card_level", "卡等级", "卡片等级", "卡级别"),
    _c("aum", "金融资产", "金融资产余额", "资产余额"),
    _c("deposits", "存款", "存款余额"),
    _c("loans", "贷款", "贷款余额"),
    _c("card_spend_year", "card_spend", "信用卡年消费", "年消费"),
    _c("custody_margin", "三方存管保证金", "存管保证金"),
    _c("credit_target", "授信额度", "授信"),
    _c("total_assets", "总资产"),
    _c("registered_capital", "注册资本"),
    _c("bad_credit_records", "不良信用记录", "不良记录"),
    _c("products", "持有产品", "产品"),
    _c("lost_contact", "失联", "是否失联"),
    _c("tags", "标签"),
    _c("notes", "备注"),
)

BALANCE_COLUMNS = (
    CLIENT_NO,
    _c("as_of", "date", "日期", "数据日期", "余额日期", "统计日期", required=True),
    _c("aum", "金融资产", "金融资产余额", "资产余额", required=True),
    _c("deposits", "存款", "存款余额"),
    _c("loans", "贷款", "贷款余额"),
)

TRANSACTION_COLUMNS = (
    _c("external_id", "transaction_id", "txn_id", "流水号", "交易流水号", "交易编号", "交易号", required=True),
    CLIENT_NO,
    _c("time", "occurred_at", "datetime", "交易时间", "时间", required=True),
    _c("amount", "金额", "交易金额", required=True),
    _c("direction", "方向", "收支", "收支方向", "借贷", "借贷标志"),
    _c("channel", "渠道", "交易渠道"),
    _c("counterparty_bank", "对方行", "对方银行", "对方开户行", "对手行"),
    _c("other_bank", "跨行", "是否跨行", "他行"),
    _c("description", "memo", "摘要", "用途", "附言", "描述"),
)

INTERACTION_COLUMNS = (
    _c("external_id", "record_no", "记录号", "记录编号"),
    CLIENT_NO,
    _c("employee_no", "employee", "rm", "工号", "员工号", "客户经理", "客户经理工号", "经办人", required=True),
    _c("time", "occurred_at", "时间", "日期", "交往时间", "拜访时间", "联系时间", required=True),
    _c("kind", "type", "方式", "类型", "交往方式", "联系方式", required=True),
    _c("participants", "参与人", "参与人员"),
    _c("note", "summary", "内容", "沟通内容", "交流内容", "备注"),
    _c("products_pitched", "products", "推荐产品", "营销产品"),
    _c("outcome", "结果", "成效"),
    _c("expenses", "费用", "花费"),
    _c("next_step", "下一步", "后续安排"),
    _c("next_date", "follow_up", "下次跟进日期", "下次回访日期", "回访日期"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "units": UNIT_COLUMNS,
    "staff": STAFF_COLUMNS,
    "clients": CLIENT_COLUMNS,
    "balances": BALANCE_COLUMNS,
    "transactions": TRANSACTION_COLUMNS,
    "interactions": INTERACTION_COLUMNS,
}

_BRACKETED_UNIT = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")


def normalise_header(header: str) -> str:
    return normalise_word(_BRACKETED_UNIT.sub("", header.strip()))


@dataclass(frozen=True)
class ColumnMap:
    """Where each known column sits in the file's rows, by column name."""

    index: dict[str, int]
    header: tuple[str, ...]
    ignored: tuple[str, ...]

    def __contains__(self, name: str) -> bool:
        return name in self.index

    def title(self, name: str) -> str:
        """The column as the file's header spells it, for messages."""
        return self.header[self.index[name]] if name in self.index else name


def match_columns(header: Sequence[str], columns: Sequence[Column], kind: str) -> ColumnMap:
    by_spelling = {normalise_header(spelling): column for column in columns for spelling in column.headers}
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(header):
        if not title.strip():
            continue
        column = by_spelling.get(normalise_header(title))
        if column is None:
            ignored.append(title.strip())
            continue
        if column.name in index:
            first = header[index[column.name]].strip()
            raise ImportRefused(
                f"columns {first!r} and {title.strip()!r} both give {column.name}: keep only one of them"
            )
        index[column.name] = position
    missing = [column for column in columns if column.required and column.name not in index]
    if missing:
        lines = "; ".join(f"{c.name} (accepted headers: {', '.join(c.headers)})" for c in missing)
        found = ", ".join(t.strip() for t in header if t.strip()) or "none"
        raise ImportRefused(
            f"a {kind} file needs {'this column' if len(missing) == 1 else 'these columns'}, "
            f"which the header lacks: {lines}. Headers found: {found}"
        )
    return ColumnMap(index=index, header=tuple(h.strip() for h in header), ignored=tuple(ignored))
