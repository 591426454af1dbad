"""Callback data: every inline button's prefix and how its payload is read back, in one place.

Telegram allows 64 bytes; a payload that does not fit is refused here, at build time, rather
than by Telegram at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

LIMIT = 64
SEP = ":"

CARD = "c"  # c:<client_id>                 open a client card
SEARCH = "s"  # s:<page>:<kind>:<text>       a page of search results ("s:last" = back to them)
LOG = "l"  # l:<client_id>                  start logging a contact
LOG_KIND = "lk"  # lk:<kind>                conversation step: the kind
LOG_SKIP = "ls"  # ls                       conversation step: no note
LOG_FOLLOW = "lf"  # lf:<days>|none         conversation step: follow-up
UNDO = "u"  # u:<interaction_id>            undo a logged contact
FOLLOW_UP = "f"  # f:<client_id>            set a follow-up only
FOLLOW_SET = "fs"  # fs:<client_id>:<days>|none
CONTACTS = "h"  # h:<client_id>             recent contacts
MOVES = "m"  # m:<client_id>                recent movements
LIST = "li"  # li:<name>:<page>[:<arg>]     a page of a list (/due, /birthdays …)
SETTINGS = "st"  # st:<key>:<value>          a settings choice
REMINDER = "rc"  # rc:<kind>:<client_id>:<occasion>   a digest reminder's card, with its buttons
REMINDER_ACT = "ra"  # ra:<op>:<kind>:<client_id>:<occasion>:<from>   op d (done) or s<days>; from g (digest) or c
TEAM = "tm"  # tm:<period>[:<unit_id>]      /team over another period (of a unit drilled into)
TEAM_UNIT = "tu"  # tu:<unit_id>:<period>    a unit of a branch head's ranking, as its own summary
TEAM_RM = "tr"  # tr:<staff_id>             one RM's due list and logs, for their lead
HANDOVER = "ho"  # ho:<from>:<to>:<tiers,…>   confirm a handover
HANDOVER_LIST = "hl"  # hl:<token>        confirm a handover of listed clients (the list kept in the chat's memory)
HANDOVER_CANCEL = "hx"  # hx                   cancel it
NOOP = "n"  # n                             a label that does nothing (page counter)


@dataclass(frozen=True)
class Callback:
    prefix: str
    parts: tuple[str, ...]

    def int(self, index: int) -> int:
        return int(self.parts[index])


def encode(prefix: str, *parts: object) -> str:
    data = SEP.join([prefix, *(str(p) for p in parts)])
    if len(data.encode("utf-8")) > LIMIT:
        raise ValueError(f"callback data over {LIMIT} bytes: {data!r}")
    return data


def fits(prefix: str, *parts: object) -> bool:
    return len(SEP.join([prefix, *(str(p) for p in parts)]).encode("utf-8")) <= LIMIT


def decode(data: str | None) -> Callback | None:
    if not data:
        return None
    prefix, *parts = data.split(SEP, 3 if data.startswith(SEARCH + SEP) else -1)
    return Callback(prefix, tuple(parts))


def pattern(prefix: str) -> str:
    """The regex a CallbackQueryHandler uses to route this prefix."""
    return rf"^{prefix}(:|$)"
