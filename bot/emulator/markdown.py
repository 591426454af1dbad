"""parse_mode=MarkdownV2 and legacy Markdown, following the rules of tdlib's parsers.

MarkdownV2's classic trap is reproduced: any of _ * [ ] ( ) ~ ` > # + - = | { } . ! outside an
entity must be escaped with a backslash, or Telegram answers
`can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.emulator.html import _checked_link
from bot.emulator.text import FormattedText, sort_entities

_RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!\n")
_CODE_TYPES = frozenset({"code", "pre"})
_TDLIB_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}
_EMOJI_URL = re.compile(r"tg://emoji\?id=(\d+)")


class MarkdownParseError(ValueError):
    """Text Telegram would refuse with `can't parse entities: <message>`."""


@dataclass
class _Open:
    type: str
    argument: str
    offset: int
    begin: int
    text_index: int


def parse_markdown(source: str, *, version: int = 2) -> FormattedText:
    return _parse_v2(source) if version == 2 else _parse_v1(source)


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _byte(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _reserved(source: str, index: int) -> MarkdownParseError:
    return MarkdownParseError(f"Character '{source[index]}' is reserved and must be escaped with the preceding '\\'")


def _parse_v2(source: str) -> FormattedText:
    def at(index: int) -> str:
        return source[index] if index < len(source) else "\0"

    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    offset = 0
    quote_open = False
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and at(i + 1) != "\0" and ord(at(i + 1)) <= 126:
            out.append(at(i + 1))
            offset += 1
            i += 2
            continue
        in_code = bool(stack) and stack[-1].type in _CODE_TYPES
        if ch not in ("`" if in_code else _RESERVED_V2):
            out.append(ch)
            offset += _units(ch)
            i += 1
            continue
        if stack and _closes(stack[-1], ch, at(i + 1), at(i + 2), quote_open):
            top = stack.pop()
            if ch == "\n" and top.type != "blockquote":
                raise MarkdownParseError(
                    f"Can't find end of {_name(top)} entity at byte offset {_byte(source, top.begin)}"
                )
            i = _finish(source, i, top, offset, out, entities, at)
            if top.type == "blockquote":
                quote_open = False
                out.append("\n")
                offset += 1
            i += 1
            continue
        begin = i
        argument = ""
        if ch == "_":
            kind = "underline" if at(i + 1) == "_" else "italic"
            i += 1 if kind == "underline" else 0
        elif ch == "*":
            kind = "bold"
        elif ch == "~":
            kind = "strikethrough"
        elif ch == "|":
            if at(i + 1) != "|":
                raise _reserved(source, i)
            kind, i = "spoiler", i + 1
        elif ch == "[":
            kind = "text_link"
        elif ch == "`":
            if at(i + 1) == "`" and at(i + 2) == "`":
                kind, argument, i = _open_pre(source, i + 3, at)
            else:
                kind = "code"
        elif ch == "!":
            if at(i + 1) != "[":
                raise _reserved(source, i)
            kind, i = "custom_emoji", i + 1
        elif ch == "\n":
            out.append("\n")
            offset += 1
            if at(i + 1) == ">" and not quote_open:
                kind, quote_open, i = "blockquote", True, i + 1
            else:
                i += 2 if at(i + 1) == ">" else 1
                continue
        elif ch == ">" and i == 0:
            kind, quote_open = "blockquote", True
        else:
            raise _reserved(source, i)
        stack.append(_Open(kind, argument, offset, begin, len(out)))
        i += 1
    if quote_open and stack and stack[-1].type == "blockquote":
        top = stack.pop()
        if offset > top.offset:
            entities.append({"type": "blockquote", "offset": top.offset, "length": offset - top.offset})
    if stack:
        top = stack[-1]
        raise MarkdownParseError(f"Can't find end of {_name(top)} entity at byte offset {_byte(source, top.begin)}")
    return FormattedText("".join(out), sort_entities(entities))


def _name(opened: _Open) -> str:
    if opened.type == "pre" and opened.argument:
        return "PreCode"
    return _TDLIB_NAMES[opened.type]


def _closes(top: _Open, ch: str, next1: str, next2: str, quote_open: bool) -> bool:
    if quote_open and ch == "\n" and next1 != ">":
        return True
    return {
        "bold": ch == "*",
        "italic": ch == "_" and next1 != "_",
        "code": ch == "`",
        "pre": ch == "`" and next1 == "`" and next2 == "`",
        "text_link": ch == "]",
        "custom_emoji": ch == "]",
        "underline": ch == "_" and next1 == "_",
        "strikethrough": ch == "~",
        "spoiler": ch == "|" and next1 == "|",
        "blockquote": False,
    }[top.type]


def _open_pre(source: str, i: int, at: Any) -> tuple[str, str, int]:
    language_end = i
    while at(language_end) not in " \t\r\n\0`":
        language_end += 1
    argument = ""
    if i != language_end and language_end < len(source) and at(language_end) != "`":
        argument, i = source[i:language_end], language_end
    if at(i) in "\r\n":
        i += 2 if at(i + 1) in "\r\n" and at(i) != at(i + 1) else 1
    return "pre", argument, i - 1


def _finish(
    source: str, i: int, top: _Open, offset: int, out: list[str], entities: list[dict[str, Any]], at: Any
) -> int:
    skip = offset == top.offset
    place = {"offset": top.offset, "length": offset - top.offset}
    extra: dict[str, Any] = {}
    if top.type in ("underline", "spoiler"):
        i += 1
    elif top.type == "pre":
        i += 2
        if top.argument:
            extra["language"] = top.argument
    elif top.type in ("text_link", "custom_emoji"):
        if at(i + 1) != "(":
            if top.type == "custom_emoji":
                raise MarkdownParseError("Custom emoji entity must contain a tg://emoji URL")
            url = "".join(out[top.text_index :])
        else:
            i += 2
            url_begin = i
            url_chars = []
            while i < len(source) and source[i] != ")":
                if source[i] == "\\" and at(i + 1) != "\0" and ord(at(i + 1)) <= 126:
                    url_chars.append(source[i + 1])
                    i += 2
                    continue
                url_chars.append(source[i])
                i += 1
            if at(i) != ")":
                what = "a custom emoji URL" if top.type == "custom_emoji" else "a URL"
                raise MarkdownParseError(f"Can't find end of {what} at byte offset {_byte(source, url_begin)}")
            url = "".join(url_chars)
        if top.type == "custom_emoji":
            match = _EMOJI_URL.fullmatch(url)
            if match is None:
                raise MarkdownParseError("Invalid custom emoji identifier specified")
            extra["custom_emoji_id"] = match.group(1)
        else:
            checked = _checked_link(url)
            if not checked:
                skip = True
            extra["url"] = checked
    if not skip:
        entities.append({"type": top.type, **place, **extra})
    return i


def _parse_v1(source: str) -> FormattedText:
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    offset = 0
    i = 0
    n = len(source)

    def at(index: int) -> str:
        return source[index] if index < n else "\0"

    while i < n:
        ch = source[i]
        if ch == "\\" and at(i + 1) in "_*`[":
            out.append(at(i + 1))
            offset += 1
            i += 2
            continue
        if ch not in "_*`[":
            out.append(ch)
            offset += _units(ch)
            i += 1
            continue
        begin = i
        end_char = "]" if ch == "[" else ch
        i += 1
        language = ""
        is_pre = ch == "`" and at(i) == "`" and at(i + 1) == "`"
        if is_pre:
            _, language, i = _open_pre(source, i + 2, at)
            i += 1
        start_offset, start_index = offset, len(out)
        while i < n and (source[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))):
            out.append(source[i])
            offset += _units(source[i])
            i += 1
        if i >= n:
            raise MarkdownParseError(f"Can't find end of the entity starting at byte offset {_byte(source, begin)}")
        if offset > start_offset:
            place = {"offset": start_offset, "length": offset - start_offset}
            if ch == "_":
                entities.append({"type": "italic", **place})
            elif ch == "*":
                entities.append({"type": "bold", **place})
            elif ch == "[":
                url = "".join(out[start_index:])
                if at(i + 1) == "(":
                    i += 2
                    url_chars = []
                    while i < n and source[i] != ")":
                        url_chars.append(source[i])
                        i += 1
                    url = "".join(url_chars)
                checked = _checked_link(url)
                if checked:
                    entities.append({"type": "text_link", **place, "url": checked})
            elif is_pre:
                entities.append({"type": "pre", **place, **({"language": language} if language else {})})
            else:
                entities.append({"type": "code", **place})
        if is_pre:
            i += 2
        i += 1
    return FormattedText("".join(out), sort_entities(entities))
