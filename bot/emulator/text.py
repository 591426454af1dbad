"""Message text as Telegram stores it: UTF-16 offsets, cleaned ends, detected bot commands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_TRIMMED = " \t\n"
_BOT_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram offset and length limit."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


@dataclass
class FormattedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def tidy(formatted: FormattedText) -> FormattedText:
    """What Telegram keeps of a text: no carriage returns, no blank ends, no empty entities."""
    text, entities = formatted.text, [dict(e) for e in formatted.entities]
    if "\r" in text:
        text, entities = _remove_carriage_returns(text, entities)
    stripped_left = text.lstrip(_TRIMMED)
    lead = utf16_len(text) - utf16_len(stripped_left)
    kept = stripped_left.rstrip(_TRIMMED)
    end = lead + utf16_len(kept)
    clipped = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            clipped.append({**entity, "offset": start - lead, "length": stop - start})
    return FormattedText(kept, sort_entities(clipped))


def _remove_carriage_returns(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    removed_before: list[int] = []
    removed = 0
    for ch in text:
        removed_before.append(removed)
        if ch == "\r":
            removed += 1
        if ord(ch) > 0xFFFF:
            removed_before.append(removed)
    removed_before.append(removed)

    def shift(offset: int) -> int:
        return offset - removed_before[min(offset, len(removed_before) - 1)]

    moved = []
    for entity in entities:
        start, stop = shift(entity["offset"]), shift(entity["offset"] + entity["length"])
        moved.append({**entity, "offset": start, "length": stop - start})
    return text.replace("\r", ""), moved


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((e for e in entities if e["length"] > 0), key=lambda e: (e["offset"], -e["length"]))


def bot_command_entities(text: str) -> list[dict[str, Any]]:
    """The `bot_command` entities Telegram adds to a user's text, so CommandHandler sees commands."""
    entities = []
    for match in _BOT_COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The part of `text` an entity covers (offsets are UTF-16 code units)."""
    encoded = text.encode("utf-16-le")
    start, stop = entity["offset"] * 2, (entity["offset"] + entity["length"]) * 2
    return encoded[start:stop].decode("utf-16-le")
