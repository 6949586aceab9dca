"""Run the simulator, or drive a running one.

Serve:          python -m simulator [serve] [--host 127.0.0.1] [--port 8300] [--traffic]
Place a call:   python -m simulator call --provider bulutsantralim --outcome missed
A live call:    python -m simulator call --provider bulutsantralim --hold 120
Past CDRs:      python -m simulator cdrs --provider bulutfon --count 250
Bulutfon hook:  python -m simulator bulutfon-webhook --url http://127.0.0.1:8123/api/webhook/ID
Receive a fax:  python -m simulator fax --provider telsam --pages 2
Settle faxes:   python -m simulator settle-faxes --provider bulutfon --outcome failed
List shapes:    python -m simulator dialect --provider bulutfon --dialect seed
Queue a caller: python -m simulator queue --queue 200 --caller 905320000000
Let it go:      python -m simulator unqueue --caller 905320000000
Agent status:   python -m simulator agent --agent 1001 --status ON_BREAK --reason Kahve
Voicemail:      python -m simulator voicemail --extension 1001 --caller 905320000000
Listen to it:   python -m simulator read-voicemail --uuid UUID
Alert callee:   python -m simulator callee --number 905321234567 --digit 1 [--no-answer]
                (Bulutfon's automatic calls and Bulutsantralim's IVR campaigns)
Sent faxes settle only when told, unless `serve --fax-settle-after SECONDS` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import Any

import aiohttp

from .app import PREFIXES, Simulator
from .callees import Key, key_of
from .calls import DIRECTIONS, OUTCOMES, PROVIDERS
from .faxes import FAX_OUTCOMES, FAX_PROVIDERS
from .queues import AGENT_STATUSES
from .state import DIALECTS
from .traffic import run_office_day

DEFAULT_SIMULATOR = "http://127.0.0.1:8300"


async def _serve(
    host: str, port: int, settle_after: float | None, traffic: bool
) -> None:
    simulator = Simulator()
    for provider in FAX_PROVIDERS:
        simulator.state.fax_book(provider).settle_after = settle_after
    await simulator.start(host, port)
    office_day = (
        asyncio.create_task(run_office_day(simulator.switchboard, simulator.fax_office))
        if traffic
        else None
    )
    state = simulator.state
    print(f"Santral provider simulator on {simulator.base_url}", flush=True)
    for provider in PREFIXES:
        print(f"  {provider:<15} {simulator.url(provider)}", flush=True)
    print("Credentials:", flush=True)
    print(f"  bulutfon        token {state.bulutfon.token}", flush=True)
    print(f"  bulutsantralim  key   {state.bulutsantralim.api_key}", flush=True)
    print(
        f"  telsam          user {state.telsam.username} / {state.telsam.password}, "
        f"client {state.telsam.client_id} / {state.telsam.client_secret}",
        flush=True,
    )
    print(
        f"Place calls with: python -m simulator call --provider bulutsantralim "
        f"--simulator {simulator.base_url}",
        flush=True,
    )
    print(
        f"Receive faxes with: python -m simulator fax --provider telsam "
        f"--simulator {simulator.base_url}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if office_day is not None:
        print("Office traffic: calls and faxes happen by themselves", flush=True)
    await stop.wait()
    if office_day is not None:
        office_day.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await office_day
    await simulator.stop()


async def _control(simulator: str, path: str, body: dict[str, Any]) -> int:
    """POST `body` to a control endpoint of a running simulator and print its answer."""
    url = f"{simulator.rstrip('/')}/_control/{path}"
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=body) as response,
        ):
            text = await response.text()
            status = response.status
    except aiohttp.ClientError as err:
        print(f"Cannot reach the simulator at {simulator}: {err}", file=sys.stderr)
        return 1
    try:
        print(json.dumps(json.loads(text), indent=2, ensure_ascii=False))
    except ValueError:
        print(text)
    return 0 if status < 400 else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Without a command the simulator serves, so the options of `serve` work here too.
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument(
        "--fax-settle-after",
        type=float,
        metavar="SECONDS",
        help="settle sent faxes as successful this long after they were sent",
    )
    parser.add_argument(
        "--traffic",
        action="store_true",
        help="let an office day of calls and faxes happen by itself, sped up",
    )
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the simulator (the default)")
    serve.add_argument("--host", default=argparse.SUPPRESS)
    serve.add_argument("--port", type=int, default=argparse.SUPPRESS)
    serve.add_argument(
        "--fax-settle-after", type=float, metavar="SECONDS", default=argparse.SUPPRESS
    )
    serve.add_argument(
        "--traffic",
        action="store_true",
        default=argparse.SUPPRESS,
        help="let an office day of calls and faxes happen by itself, sped up",
    )

    call = commands.add_parser("call", help="place a call on a running simulator")
    call.add_argument("--provider", choices=PROVIDERS, required=True)
    call.add_argument("--direction", choices=DIRECTIONS, default="inbound")
    call.add_argument("--outcome", choices=OUTCOMES, default="answered")
    call.add_argument("--caller", help="default: a random number, or the PBX's")
    call.add_argument("--callee", help="default: the PBX's number, or a random one")
    call.add_argument("--extension", default="1001")
    call.add_argument("--talk-seconds", type=int, default=35)
    call.add_argument(
        "--menu", help="Bulutfon: the menu (2 digits) the call goes through"
    )
    call.add_argument(
        "--group",
        help="Bulutfon: the group (3 digits) that rings; --extension answers it",
    )
    call.add_argument(
        "--rings",
        nargs="+",
        metavar="EXTENSION",
        help="the extensions the group rings (default: --extension and the next two)",
    )
    call.add_argument(
        "--recording", action=argparse.BooleanOptionalAction, default=None
    )
    call.add_argument(
        "--realtime",
        action="store_true",
        help="pause a couple of seconds between ringing, answer and hang-up",
    )
    call.add_argument(
        "--hold",
        type=float,
        metavar="SECONDS",
        help="in real time, keep the call up this long unless hung up through the API",
    )
    call.add_argument("--simulator", default=DEFAULT_SIMULATOR)

    cdrs = commands.add_parser("cdrs", help="file past CDRs on a running simulator")
    cdrs.add_argument("--provider", choices=PROVIDERS, required=True)
    cdrs.add_argument("--count", type=int, default=100)
    cdrs.add_argument("--outcome", choices=OUTCOMES)
    cdrs.add_argument("--direction", choices=DIRECTIONS)
    cdrs.add_argument("--simulator", default=DEFAULT_SIMULATOR)

    webhook = commands.add_parser(
        "bulutfon-webhook", help="set where a running simulator posts Bulutfon events"
    )
    webhook.add_argument("--url", required=True)
    webhook.add_argument("--format", choices=("json", "form"), default="json")
    webhook.add_argument("--username")
    webhook.add_argument("--password")
    webhook.add_argument("--simulator", default=DEFAULT_SIMULATOR)

    fax = commands.add_parser("fax", help="receive a fax on a running simulator")
    fax.add_argument("--provider", choices=FAX_PROVIDERS, required=True)
    fax.add_argument("--sender", help="default: a random number")
    fax.add_argument("--pages", type=int, default=1)
    fax.add_argument("--simulator", default=DEFAULT_SIMULATOR)

    settle = commands.add_parser(
        "settle-faxes", help="settle the pending sent faxes of a running simulator"
    )
    settle.add_argument("--provider", choices=FAX_PROVIDERS, required=True)
    settle.add_argument("--outcome", choices=FAX_OUTCOMES, default="success")
    settle.add_argument("--id", help="only this fax (default: every pending one)")
    settle.add_argument("--simulator", default=DEFAULT_SIMULATOR)

    dialect = commands.add_parser(
        "dialect", help="serve a provider's lists in another documented shape"
    )
    dialect.add_argument("--provider", choices=tuple(DIALECTS), required=True)
    dialect.add_argument(
        "--dialect",
        required=True,
        choices=sorted({name for names in DIALECTS.values() for name in names}),
    )
    dialect.add_argument("--simulator", default=DEFAULT_SIMULATOR)

    queue = commands.add_parser(
        "queue", help="put a caller in a Bulutsantralim queue of a running simulator"
    )
    queue.add_argument("--queue", default="200")
    queue.add_argument("--caller", default="905320000000")
    queue.add_argument("--simulator", default=DEFAULT_SIMULATOR)
    unqueue = commands.add_parser(
        "unqueue", help="let a caller waiting in a queue go (by caller id or uuid)"
    )
    unqueue.add_argument("--caller", default="905320000000")
    unqueue.add_argument("--simulator", default=DEFAULT_SIMULATOR)
    agent = commands.add_parser("agent", help="set a Bulutsantralim agent's status")
    agent.add_argument("--agent", default="1001")
    agent.add_argument("--status", choices=AGENT_STATUSES, required=True)
    agent.add_argument("--reason", default="", help="why, on a break")
    agent.add_argument("--simulator", default=DEFAULT_SIMULATOR)
    message = commands.add_parser(
        "voicemail", help="leave a message in a Bulutsantralim voicemail box"
    )
    message.add_argument("--extension", default="1001")
    message.add_argument("--caller", default="905320000000")
    message.add_argument("--caller-name", default="")
    message.add_argument("--duration", type=int, default=12)
    message.add_argument("--simulator", default=DEFAULT_SIMULATOR)
    read = commands.add_parser(
        "read-voicemail", help="mark a Bulutsantralim voicemail as listened to"
    )
    read.add_argument("--uuid", required=True)
    read.add_argument("--simulator", default=DEFAULT_SIMULATOR)
    callee = commands.add_parser(
        "callee",
        help=(
            "make a number answer alert calls, or not: Bulutfon's automatic calls and "
            "Bulutsantralim's IVR campaigns alike"
        ),
    )
    callee.add_argument("--number", required=True)
    callee.add_argument(
        "--digit",
        type=_key,
        default=None,
        help="the key pressed after the message: 0-9, * or # (default: none)",
    )
    callee.add_argument("--no-answer", action="store_true")
    callee.add_argument("--simulator", default=DEFAULT_SIMULATOR)
    return parser


def _key(value: str) -> Key:
    """Return the key `--digit` names; argparse reports anything else."""
    try:
        key = key_of(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    if key is None:
        raise argparse.ArgumentTypeError("digit must be a key")
    return key


def _request(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """Return the control path and body a command sends."""
    if args.command == "call":
        body: dict[str, Any] = {
            "provider": args.provider,
            "direction": args.direction,
            "outcome": args.outcome,
            "extension": args.extension,
            "talk_seconds": args.talk_seconds,
            "realtime": args.realtime,
        }
        for name in ("caller", "callee", "recording", "hold", "menu", "group", "rings"):
            if getattr(args, name) is not None:
                body[name] = getattr(args, name)
        return "calls", body
    if args.command == "cdrs":
        body = {"provider": args.provider, "count": args.count}
        for name in ("outcome", "direction"):
            if getattr(args, name) is not None:
                body[name] = getattr(args, name)
        return "cdrs", body
    if args.command == "fax":
        body = {"provider": args.provider, "pages": args.pages}
        if args.sender is not None:
            body["sender"] = args.sender
        return "faxes", body
    if args.command == "dialect":
        return "dialects", {"provider": args.provider, "dialect": args.dialect}
    if args.command == "queue":
        return "queues", {"queue": args.queue, "caller": args.caller}
    if args.command == "unqueue":
        return "queues/release", {"caller": args.caller}
    if args.command == "agent":
        return "agent_statuses", {
            "agent": args.agent,
            "status": args.status,
            "break_description": args.reason,
        }
    if args.command == "voicemail":
        return "voicemail", {
            "extension": args.extension,
            "caller": args.caller,
            "caller_name": args.caller_name,
            "duration": args.duration,
        }
    if args.command == "read-voicemail":
        return "voicemail/read", {"uuid": args.uuid}
    if args.command == "callee":
        return "callees", {
            "number": args.number,
            "answers": not args.no_answer,
            "digit": args.digit,
        }
    if args.command == "settle-faxes":
        body = {"provider": args.provider, "outcome": args.outcome}
        if args.id is not None:
            body["id"] = args.id
        return "faxes/settle", body
    body = {"url": args.url, "format": args.format}
    if args.username:
        body |= {"username": args.username, "password": args.password or ""}
    return "bulutfon/webhook", body


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, then serve until interrupted or run one control command."""
    args = _parser().parse_args(argv)
    if args.command in (None, "serve"):
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                _serve(args.host, args.port, args.fax_settle_after, args.traffic)
            )
        return 0
    path, body = _request(args)
    return asyncio.run(_control(args.simulator, path, body))


if __name__ == "__main__":
    sys.exit(main())
