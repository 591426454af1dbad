"""`python -m bot.emulator --port 8081`: run the emulator on its own (demo, manual tries)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.emulator.control import Emulator


async def serve(args: argparse.Namespace) -> None:
    emulator = Emulator(token=args.token, host=args.host, port=args.port, bot_username=args.username)
    if args.rate_limits:
        emulator.enable_rate_limits()
    await emulator.start()
    print(f"base_url      {emulator.base_url}", flush=True)
    print(f"base_file_url {emulator.base_file_url}", flush=True)
    print(f"token         {emulator.token}", flush=True)
    print(f"control       {emulator.url}/control/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=None, help="bot token to accept (default: a random one, printed)")
    parser.add_argument("--username", default="rmbot_test_bot", help="the bot's @username")
    parser.add_argument("--rate-limits", action="store_true", help="enforce Telegram's flood limits")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
