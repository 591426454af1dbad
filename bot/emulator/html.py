"""parse_mode=HTML the way Telegram reads it (the rules of tdlib's `parse_html`).

Supported tags: b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler", tg-spoiler,
a href, code (class="language-x" inside pre), pre, blockquote [expandable], tg-emoji emoji-id.
Any other tag (including <br>, <p>, <div>), a stray `<`, an unclosed or mismatched tag is an
error worded as Telegram words it; the byte offsets are UTF-8 offsets into the source.
Only &lt; &gt; &amp; &quot; and numeric references are decoded; any other `&...` stays as it
is, which is also what Telegram does (it is not an error there either).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.emulator.text import FormattedText, sort_entities, utf16_len

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = frozenset(" \t\r\n\v\f\0")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_LINK_SCHEMES = {"http", "https", "tg", "ton", "tonsite"}


class HtmlParseError(ValueError):
    """Text Telegram would refuse with `can't parse entities: <message>`."""


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    text_index: int


class _Source:
    def __init__(self, text: str) -> None:
        self.text = text

    def at(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else "\0"

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))


def parse_html(source: str) -> FormattedText:
    src = _Source(source)
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    offset = 0
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "&":
            decoded, after = _decode_entity(src, i)
            if decoded is not None:
                out.append(decoded)
                offset += utf16_len(decoded)
                i = after
                continue
        if ch != "<":
            out.append(ch)
            offset += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if src.at(i) != "/":
            opened, i = _start_tag(src, begin, i)
            stack.append(_Open(opened[0], opened[1], offset, len(out)))
        else:
            i = _end_tag(src, begin, i, stack, offset, out, entities)
        i += 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return FormattedText("".join(out), sort_entities(entities))


def _start_tag(src: _Source, begin: int, i: int) -> tuple[tuple[str, str], int]:
    while src.at(i) not in _SPACES and src.at(i) != ">":
        i += 1
    if i >= len(src.text):
        raise HtmlParseError(f"Unclosed start tag at byte offset {src.byte_offset(begin)}")
    tag = src.text[begin + 1 : i].lower()
    if tag not in SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {src.byte_offset(begin)}')
    argument = ""
    while src.at(i) != ">":
        while i < len(src.text) and src.at(i) in _SPACES:
            i += 1
        if src.at(i) == ">":
            break
        name_begin = i
        while src.at(i) not in _SPACES and src.at(i) != "=" and src.at(i) != ">":
            i += 1
        name = src.text[name_begin:i]
        if not name:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {src.byte_offset(begin)}')
        while i < len(src.text) and src.at(i) in _SPACES:
            i += 1
        if src.at(i) != "=":
            if tag == "blockquote" and name == "expandable":
                argument = "expandable"
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {src.byte_offset(begin)}"
            )
        i += 1
        while i < len(src.text) and src.at(i) in _SPACES:
            i += 1
        if i >= len(src.text):
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {src.byte_offset(begin)}')
        value, i = _attribute_value(src, i)
        if i >= len(src.text):
            raise HtmlParseError(f"Unclosed start tag at byte offset {src.byte_offset(begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {src.byte_offset(begin)}')
    return (tag, argument), i


def _attribute_value(src: _Source, i: int) -> tuple[str, int]:
    quote = src.at(i)
    if quote not in "'\"":
        token_begin = i
        while src.at(i).isascii() and (src.at(i).isalnum() or src.at(i) in ".-"):
            i += 1
        if src.at(i) not in _SPACES and src.at(i) != ">":
            raise HtmlParseError(f"Unexpected end of name token at byte offset {src.byte_offset(token_begin)}")
        return src.text[token_begin:i].lower(), i
    i += 1
    value: list[str] = []
    while i < len(src.text) and src.at(i) != quote:
        if src.at(i) == "&":
            decoded, after = _decode_entity(src, i)
            if decoded is not None:
                value.append(decoded)
                i = after
                continue
        value.append(src.at(i))
        i += 1
    if src.at(i) == quote:
        i += 1
    return "".join(value), i


def _end_tag(
    src: _Source,
    begin: int,
    i: int,
    stack: list[_Open],
    offset: int,
    out: list[str],
    entities: list[dict[str, Any]],
) -> int:
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {src.byte_offset(begin)}")
    while src.at(i) not in _SPACES and src.at(i) != ">":
        i += 1
    end_name = src.text[begin + 2 : i].lower()
    while i < len(src.text) and src.at(i) in _SPACES:
        i += 1
    if src.at(i) != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {src.byte_offset(begin)}")
    opened = stack.pop()
    if end_name and end_name != opened.tag:
        raise HtmlParseError(
            f'Unmatched end tag at byte offset {src.byte_offset(begin)}, expected "</{opened.tag}>", '
            f'found "</{end_name}>"'
        )
    if offset > opened.offset:
        _close(opened, offset - opened.offset, "".join(out[opened.text_index :]), entities)
    return i


def _close(opened: _Open, length: int, inner_text: str, entities: list[dict[str, Any]]) -> None:
    place = {"offset": opened.offset, "length": length}
    tag = opened.tag
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == opened.offset and last["length"] == length
    if tag in _SIMPLE:
        entities.append({"type": _SIMPLE[tag], **place})
    elif tag == "tg-emoji":
        if not opened.argument.isdigit() or int(opened.argument) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **place, "custom_emoji_id": opened.argument})
    elif tag == "a":
        url = _checked_link(opened.argument or inner_text)
        if url.startswith("tg://user?id="):
            user_id = url.removeprefix("tg://user?id=")
            if user_id.isdigit():
                entities.append(
                    {"type": "text_mention", **place, "user": {"id": int(user_id), "is_bot": False, "first_name": ""}}
                )
                return
        if url:
            entities.append({"type": "text_link", **place, "url": url})
    elif tag == "pre":
        if same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", **place})
    elif tag == "code":
        if same_span and last["type"] == "pre" and opened.argument:
            last["language"] = opened.argument
        else:
            entities.append({"type": "code", **place, **({"language": opened.argument} if opened.argument else {})})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if opened.argument == "expandable" else "blockquote"
        entities.append({"type": kind, **place})


def _checked_link(url: str) -> str:
    """The link Telegram keeps for an <a href>, or "" when it silently drops it."""
    url = url.strip()
    if not url:
        return ""
    if "://" not in url and not url.startswith(("tg:", "mailto:")):
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() == "mailto":
        return url
    if parts.scheme.lower() not in _LINK_SCHEMES:
        return ""
    if parts.scheme.lower() in {"http", "https"} and not parts.hostname:
        return ""
    return url


def _decode_entity(src: _Source, pos: int) -> tuple[str | None, int]:
    end = pos + 1
    if src.at(end) == "#":
        end += 1
        code = 0
        if src.at(end) == "x":
            end += 1
            while src.at(end) in "0123456789abcdefABCDEF" and src.at(end) != "\0":
                code = code * 16 + int(src.at(end), 16)
                end += 1
        else:
            while src.at(end).isascii() and src.at(end).isdigit():
                code = code * 10 + int(src.at(end))
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None, pos
        if 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        decoded = chr(code)
    else:
        while src.at(end).isascii() and src.at(end).isalpha():
            end += 1
        decoded = _NAMED.get(src.text[pos + 1 : end])
        if decoded is None:
            return None, pos
    if src.at(end) == ";":
        end += 1
    return decoded, end
