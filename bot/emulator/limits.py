"""Flood limits and injected faults.

Rate limits (off until `RateLimiter.enable()`): three token buckets, checked together before a
message is stored; a refused call consumes nothing and gets
`429 Too Many Requests: retry after N`, N being the whole seconds until every bucket it needs
has a token again (at least 1).

* all chats together: 30 messages, refilled at 30 per second (Telegram: "about 30 per second");
* each private chat: a burst of 3, refilled at 1 per second (Telegram: "one per second,
  short bursts allowed" — the burst size is not published; 3 is this emulator's choice);
* each group or supergroup: 20 messages, refilled at 20 per minute (Telegram: "20 per minute").

Counted as a message: every `send*` method except `sendChatAction`, plus `copyMessage` and
`forwardMessage`. Edits, deletions, callback answers and `getUpdates` are never limited.

Faults: `FaultInjector.fail_next` makes the next K calls of a method (or of any method, "*")
answer with a given status, or drop the connection before or after the call took effect, or
answer late. Faults run before rate limits and before validation.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.emulator.errors import ApiError, too_many_requests

Clock = Callable[[], float]

MESSAGE_METHODS = frozenset({"copyMessage", "forwardMessage"})


def counts_as_message(method: str) -> bool:
    return (method.startswith("send") and method != "sendChatAction") or method in MESSAGE_METHODS


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now

    def wait_seconds(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


@dataclass(frozen=True)
class RateLimitPolicy:
    overall_per_second: float = 30.0
    overall_burst: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20


class RateLimiter:
    def __init__(self, policy: RateLimitPolicy | None = None, *, clock: Clock = time.monotonic) -> None:
        self.policy = policy or RateLimitPolicy()
        self.enabled = False
        self.clock = clock
        self._buckets: dict[object, TokenBucket] = {}

    def enable(self, policy: RateLimitPolicy | None = None) -> None:
        """Switch limits on (optionally with other numbers); every bucket starts full."""
        if policy is not None:
            self.policy = policy
        self._buckets.clear()
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False
        self._buckets.clear()

    def take(self, chat_id: int, chat_type: str) -> None:
        """Spend one message for `chat_id`, or raise the 429 Telegram would answer."""
        if not self.enabled:
            return
        now = self.clock()
        buckets = [self._bucket("overall", self.policy.overall_burst, self.policy.overall_per_second, now)]
        if chat_type == "private":
            buckets.append(self._bucket(chat_id, self.policy.private_burst, self.policy.private_per_second, now))
        else:
            buckets.append(self._bucket(chat_id, self.policy.group_burst, self.policy.group_per_minute / 60, now))
        wait = max(bucket.wait_seconds() for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1

    def _bucket(self, key: object, capacity: float, per_second: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(capacity, per_second, capacity, now)
        bucket.refill(now)
        return bucket


FaultKind = Literal["status", "drop", "delay"]


@dataclass
class Fault:
    method: str
    kind: FaultKind
    status: int = 500
    retry_after: int | None = None
    description: str | None = None
    after_processing: bool = False
    seconds: float = 0.0

    def error(self) -> ApiError:
        if self.status == 429:
            retry_after = self.retry_after if self.retry_after is not None else 1
            return ApiError(
                429, self.description or f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        return ApiError(
            self.status, self.description or _DEFAULT_DESCRIPTIONS.get(self.status, "Internal Server Error")
        )


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    403: "Forbidden: injected fault",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# What Telegram's front end answers when the Bot API server behind it is down: HTML, not JSON.
GATEWAY_STATUSES = frozenset({502, 503, 504})


def gateway_page(status: int) -> str:
    reason = _DEFAULT_DESCRIPTIONS.get(status, "Bad Gateway")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


@dataclass
class FaultInjector:
    _queued: deque[Fault] = field(default_factory=deque)

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 500,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` ("*" for any) answer `status` without taking effect.

        429 carries `parameters.retry_after`; 502/503/504 answer an nginx HTML page as Telegram's
        front end does; other statuses answer Telegram's JSON error.
        """
        for _ in range(times):
            self._queued.append(
                Fault(method, "status", status=status, retry_after=retry_after, description=description)
            )

    def drop_next(self, method: str, *, times: int = 1, after_processing: bool = False) -> None:
        """Close the connection without an answer; with `after_processing` the call took effect first."""
        for _ in range(times):
            self._queued.append(Fault(method, "drop", after_processing=after_processing))

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` calls `seconds` late (to drive a client into its read timeout)."""
        for _ in range(times):
            self._queued.append(Fault(method, "delay", seconds=seconds))

    def clear(self) -> None:
        self._queued.clear()

    def take(self, method: str) -> Fault | None:
        for fault in self._queued:
            if fault.method in ("*", method):
                self._queued.remove(fault)
                return fault
        return None

    def __len__(self) -> int:
        return len(self._queued)
