"""What every handler reaches through `context`: settings, database, renderer, clock.

Database work runs in a worker thread with one session per call (the event loop never blocks),
committed when the domain function returns, rolled back if it raises.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import html
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from telegram.ext import CallbackContext, ExtBot

from bot.bootstrap import Database
from bot.config import Settings
from domain.access import Viewer
from domain.db import unit_of_work
from handlers.render import Renderer

T = TypeVar("T")


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    database: Database
    renderer: Renderer
    clock: Callable[[], datetime] = field(default=system_clock)
    workers: ThreadPoolExecutor = field(default=None)  # type: ignore[assignment]
    """The chat's database work (`[database] workers` threads)."""
    reports: ThreadPoolExecutor = field(default=None)  # type: ignore[assignment]
    """/team's summaries, charts and workbooks (`[database] report_workers`), so that they queue
    behind each other rather than in front of searches."""

    def __post_init__(self) -> None:
        if self.workers is None:
            self.workers = ThreadPoolExecutor(self.settings.database.workers, thread_name_prefix="rmbot-db")
        if self.reports is None:
            self.reports = ThreadPoolExecutor(self.settings.database.report_workers, thread_name_prefix="rmbot-reports")

    def shutdown(self) -> None:
        self.workers.shutdown(wait=True)
        self.reports.shutdown(wait=True)

    def now(self) -> datetime:
        return self.clock()

    def zone(self, viewer: Viewer | None = None) -> ZoneInfo:
        return ZoneInfo((viewer.time_zone if viewer else None) or self.settings.schedule.time_zone)

    def today(self, viewer: Viewer | None = None) -> date:
        return self.now().astimezone(self.zone(viewer)).date()

    async def run(self, work: Callable[..., T], *args: Any, report: bool = False, **kwargs: Any) -> T:
        """Run `work(session, *args, **kwargs)` in a worker thread inside one unit of work (a
        reports thread with `report=True`)."""

        def in_session() -> T:
            with unit_of_work(self.database.sessions) as session:
                return work(session, *args, **kwargs)

        return await self.off_loop(in_session, report=report)

    async def off_loop(self, work: Callable[..., T], *args: Any, report: bool = False) -> T:
        """`work(*args)` in a worker thread (as `asyncio.to_thread`, with the caller's context)."""
        call = functools.partial(contextvars.copy_context().run, work, *args)
        return await asyncio.get_running_loop().run_in_executor(self.reports if report else self.workers, call)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The handlers' context: `context.services` and, after the sign-in gate, `context.viewer`."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def viewer(self) -> Viewer:
        viewer = getattr(self, "_viewer", None)
        if viewer is None:
            raise RuntimeError("handler ran without the sign-in gate")
        return viewer

    @viewer.setter
    def viewer(self, value: Viewer) -> None:
        self._viewer = value

    @property
    def in_group(self) -> bool:
        """The update came from a group chat (only `/team` gets that far, and answers with aggregates)."""
        return getattr(self, "_in_group", False)

    @in_group.setter
    def in_group(self, value: bool) -> None:
        self._in_group = value

    @property
    def signed_in(self) -> bool:
        return getattr(self, "_viewer", None) is not None

    @property
    def locale(self) -> str:
        return getattr(self, "_locale", self.services.settings.display.locale)

    @locale.setter
    def locale(self, value: str) -> None:
        self._locale = value

    def render(self, template: str, /, **data: object) -> str:
        return self.services.renderer.render(self.locale, template, **data)

    def plain(self, template: str, /, **data: object) -> str:
        """A template rendered as plain text (callback answers and alerts are not HTML)."""
        return html.unescape(self.render(template, **data))[:200]

    def label(self, name: str, /, *args: object, **kwargs: object) -> str:
        return self.services.renderer.label(self.locale, name, *args, **kwargs)
