"""The HA-free provider clients against the simulator: success, credentials and every fault."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
import socket

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.santral.providers import (
    BulutfonClient,
    BulutsantralimClient,
    Capability,
    Document,
    Extension,
    ExtensionSource,
    NumberFormat,
    PbxState,
    Presence,
    Provider,
    ProviderClient,
    SantralAuthenticationError,
    SantralConnectionError,
    SantralError,
    SantralInvalidResponseError,
    SantralProviderError,
    SantralRateLimitedError,
    TelsamClient,
    format_number,
    normalize_number,
    to_provider_number,
)
from custom_components.santral.providers.bulutsantralim import _recording_link
from custom_components.santral.providers.client import Response, parse_retry_after
from custom_components.santral.providers.ratelimit import SlidingWindowLimiter
from custom_components.santral.providers.timeparse import parse_datetime, parse_epoch
from simulator import Fault, FaultKind, Simulator

# The endpoint each client's account check calls, per simulator naming.
ACCOUNT_ENDPOINTS = {
    "bulutfon": "me",
    "bulutsantralim": "caller_ids",
    "telsam": "fax_list",
}


def make_client(
    kind: str, simulator: Simulator, session: aiohttp.ClientSession, **overrides: str
) -> ProviderClient:
    """Build a client of `kind` with the simulator's valid credentials unless overridden."""
    state = simulator.state
    timeout = float(overrides.pop("timeout", 5))
    if kind == "bulutfon_token":
        return BulutfonClient(
            session,
            token=overrides.get("token", state.bulutfon.token),
            base_url=simulator.url("bulutfon"),
            timeout=timeout,
        )
    if kind == "bulutfon_login":
        return BulutfonClient(
            session,
            email=overrides.get("email", state.bulutfon.email),
            password=overrides.get("password", state.bulutfon.password),
            base_url=simulator.url("bulutfon"),
            timeout=timeout,
        )
    if kind == "bulutsantralim":
        return BulutsantralimClient(
            session,
            api_key=overrides.get("api_key", state.bulutsantralim.api_key),
            base_url=simulator.url("bulutsantralim"),
            timeout=timeout,
        )
    return TelsamClient(
        session,
        username=overrides.get("username", state.telsam.username),
        password=overrides.get("password", state.telsam.password),
        client_id=overrides.get("client_id", state.telsam.client_id),
        client_secret=overrides.get("client_secret", state.telsam.client_secret),
        base_url=simulator.url("telsam"),
        timeout=timeout,
    )


KINDS = ["bulutfon_token", "bulutfon_login", "bulutsantralim", "telsam"]


def provider_of(kind: str) -> str:
    """Return the simulator provider a credential kind talks to."""
    return kind.split("_", maxsplit=1)[0]


def assert_no_secret(simulator: Simulator, err: BaseException) -> None:
    """No credential may appear in an exception message or its cause."""
    texts = [str(err), repr(err), str(err.__cause__ or "")]
    for secret in simulator.state.all_secrets():
        for text in texts:
            assert secret not in text


async def test_bulutfon_account(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/me` becomes an Account with balance, state and package."""
    for kind in ("bulutfon_token", "bulutfon_login"):
        account = await make_client(kind, simulator, session).async_get_account()
        assert account.identifier == "santral.bulutfon.net"
        assert account.balance == Decimal("300.06")
        assert account.currency == "TRY"
        assert account.pbx_state is PbxState.CONFIRMED
        assert account.package == "LARGE"


async def test_bulutfon_account_quirks(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Unknown PBX states, missing balance and package are tolerated."""
    me = simulator.state.bulutfon.me
    me["pbx"]["state"] = "SOMETHING_NEW"
    me["credit"]["balance"] = None
    del me["pbx"]["package"]
    account = await make_client(
        "bulutfon_token", simulator, session
    ).async_get_account()
    assert account.pbx_state is PbxState.UNKNOWN
    assert account.balance is None
    assert account.package is None


@pytest.mark.parametrize(
    ("me", "fragment"),
    [
        ({"user": {}}, "lacks the pbx"),
        ({"pbx": {"state": "CONFIRMED"}, "credit": {}}, "names no PBX"),
        ({"pbx": {"url": "x"}, "credit": {"balance": "çok"}}, "not a number"),
    ],
)
async def test_bulutfon_malformed_me(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    me: dict[str, object],
    fragment: str,
) -> None:
    """A `/me` of the wrong shape is an invalid response, not a crash."""
    simulator.state.bulutfon.me = me
    with pytest.raises(SantralInvalidResponseError, match=fragment):
        await make_client("bulutfon_token", simulator, session).async_get_account()


async def test_bulutfon_needs_credentials(session: aiohttp.ClientSession) -> None:
    """A client without any credential is a programming error."""
    with pytest.raises(ValueError, match="token"):
        BulutfonClient(session, email="a@b.c")


async def test_bulutsantralim_account(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/caller_ids` validates the key and names the PBX by its lowest number."""
    account = await make_client(
        "bulutsantralim", simulator, session
    ).async_get_account()
    assert account.identifier == "+908501234567"
    assert account.numbers == ("+908501234567", "+908505320000")


async def test_bulutsantralim_without_numbers(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A PBX without outbound numbers is identified by a digest of the key, not the key."""
    simulator.state.bulutsantralim.caller_ids = []
    account = await make_client(
        "bulutsantralim", simulator, session
    ).async_get_account()
    assert account.name == "Bulutsantralim"
    assert len(account.identifier) == 16
    assert account.identifier not in simulator.state.bulutsantralim.api_key


async def test_bulutsantralim_wrong_shape(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/caller_ids` must be a list."""
    simulator.state.bulutsantralim.caller_ids = {"a": 1}  # type: ignore[assignment]
    with pytest.raises(SantralInvalidResponseError, match="list"):
        await make_client("bulutsantralim", simulator, session).async_get_account()


async def test_telsam_account(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """The password grant runs once, then the token is reused."""
    client = make_client("telsam", simulator, session)
    assert isinstance(client, TelsamClient)
    assert client.token is None
    account = await client.async_get_account()
    await client.async_get_account()
    assert account.identifier == "api-kullanici"
    assert client.token is not None
    assert simulator.state.telsam.grants == {"password": 1}


@pytest.mark.parametrize(
    ("kind", "overrides"),
    [
        ("bulutfon_token", {"token": "wrong-token"}),
        ("bulutfon_login", {"password": "wrong-password"}),
        ("bulutsantralim", {"api_key": "K00000000-wrong"}),
        ("telsam", {"password": "wrong-password"}),
        ("telsam", {"client_secret": "wrong-secret"}),
    ],
)
async def test_invalid_credentials(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    kind: str,
    overrides: dict[str, str],
) -> None:
    """Wrong credentials are an authentication error that does not repeat them."""
    with pytest.raises(SantralAuthenticationError) as err:
        await make_client(kind, simulator, session, **overrides).async_get_account()
    for value in overrides.values():
        assert value not in str(err.value)
    assert_no_secret(simulator, err.value)


async def test_bulutfon_token_expired(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Bulutfon's `Token expired` is an authentication error."""
    simulator.state.bulutfon.token_expired = True
    with pytest.raises(SantralAuthenticationError, match="Token expired"):
        await make_client("bulutfon_token", simulator, session).async_get_account()


async def test_telsam_refreshes_expired_token(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """An expired access token is renewed with the refresh token, not the password."""
    client = make_client("telsam", simulator, session)
    await client.async_get_account()
    simulator.state.telsam.expire_access_tokens()
    await client.async_get_account()
    assert simulator.state.telsam.grants == {"password": 1, "refresh_token": 1}


async def test_telsam_falls_back_to_password_grant(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """When the refresh token is gone too, a new password grant recovers silently."""
    client = make_client("telsam", simulator, session)
    await client.async_get_account()
    simulator.state.telsam.expire_access_tokens()
    simulator.state.telsam.revoke_refresh_tokens()
    await client.async_get_account()
    assert simulator.state.telsam.grants == {"password": 2}


async def test_telsam_reauth_only_when_all_fail(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Expired token, dead refresh token and a changed password: authentication error."""
    client = make_client("telsam", simulator, session)
    await client.async_get_account()
    simulator.state.telsam.expire_access_tokens()
    simulator.state.telsam.revoke_refresh_tokens()
    simulator.state.telsam.password = "changed-in-the-panel"
    with pytest.raises(SantralAuthenticationError) as err:
        await client.async_get_account()
    assert_no_secret(simulator, err.value)


async def test_telsam_rejects_fresh_token(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A provider that rejects even a fresh token is an authentication error, not a loop."""
    simulator.inject(
        "telsam",
        "fax_list",
        Fault(FaultKind.REJECT, times=2, status=401, message="Unauthenticated."),
    )
    with pytest.raises(SantralAuthenticationError, match="freshly issued"):
        await make_client("telsam", simulator, session).async_get_account()
    assert simulator.count("telsam", "fax_list") == 2


async def test_telsam_token_answer_without_token(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A token answer without access_token is an invalid response."""
    simulator.inject("telsam", "token", Fault(FaultKind.TRUNCATED))
    with pytest.raises(SantralInvalidResponseError):
        await make_client("telsam", simulator, session).async_get_account()


async def test_telsam_unsupported_grant_is_provider_error(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """OAuth errors that are not about credentials carry the provider's message."""
    simulator.inject(
        "telsam",
        "token",
        Fault(
            FaultKind.REJECT,
            status=400,
            message="The authorization grant type is not supported.",
        ),
    )
    with pytest.raises(
        SantralProviderError, match="grant type is not supported"
    ) as err:
        await make_client("telsam", simulator, session).async_get_account()
    assert err.value.status == 400


@pytest.mark.parametrize("kind", KINDS)
async def test_rate_limited(
    simulator: Simulator, session: aiohttp.ClientSession, kind: str
) -> None:
    """429 is a rate-limit error carrying the provider's Retry-After."""
    provider = provider_of(kind)
    simulator.inject(
        provider,
        ACCOUNT_ENDPOINTS[provider],
        Fault(FaultKind.RATE_LIMIT, retry_after=42),
    )
    with pytest.raises(SantralRateLimitedError) as err:
        await make_client(kind, simulator, session).async_get_account()
    assert err.value.retry_after == 42
    assert_no_secret(simulator, err.value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_error(
    simulator: Simulator, session: aiohttp.ClientSession, kind: str, status: int
) -> None:
    """5xx is a connection error: the provider is unavailable."""
    provider = provider_of(kind)
    simulator.inject(
        provider,
        ACCOUNT_ENDPOINTS[provider],
        Fault(FaultKind.SERVER_ERROR, status=status),
    )
    with pytest.raises(SantralConnectionError, match=f"HTTP {status}") as err:
        await make_client(kind, simulator, session).async_get_account()
    assert_no_secret(simulator, err.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_timeout(
    simulator: Simulator, session: aiohttp.ClientSession, kind: str
) -> None:
    """A slow provider times out as a connection error."""
    provider = provider_of(kind)
    simulator.inject(
        provider, ACCOUNT_ENDPOINTS[provider], Fault(FaultKind.SLOW, delay=1.0)
    )
    with pytest.raises(SantralConnectionError, match="Timed out") as err:
        await make_client(kind, simulator, session, timeout="0.2").async_get_account()
    assert_no_secret(simulator, err.value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fault", [FaultKind.HTML, FaultKind.TRUNCATED])
async def test_malformed_body(
    simulator: Simulator, session: aiohttp.ClientSession, kind: str, fault: FaultKind
) -> None:
    """An HTML error page or truncated JSON is an invalid response."""
    provider = provider_of(kind)
    simulator.inject(provider, ACCOUNT_ENDPOINTS[provider], Fault(fault))
    with pytest.raises(SantralInvalidResponseError) as err:
        await make_client(kind, simulator, session).async_get_account()
    assert_no_secret(simulator, err.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_provider_refusal(
    simulator: Simulator, session: aiohttp.ClientSession, kind: str
) -> None:
    """A 4xx refusal reaches the caller with the provider's own words."""
    provider = provider_of(kind)
    simulator.inject(
        provider,
        ACCOUNT_ENDPOINTS[provider],
        Fault(FaultKind.REJECT, status=422, message="did değeri geçersiz."),
    )
    with pytest.raises(SantralProviderError) as err:
        await make_client(kind, simulator, session).async_get_account()
    assert err.value.provider_message == "did değeri geçersiz."
    assert err.value.status == 422


async def test_bulutsantralim_echoed_key_is_scrubbed(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Bulutsantralim echoes keys in errors; the client never passes them on."""
    key = simulator.state.bulutsantralim.api_key
    simulator.inject(
        "bulutsantralim",
        "caller_ids",
        Fault(FaultKind.REJECT, message=f"quota exceeded for {key}"),
    )
    with pytest.raises(SantralProviderError) as err:
        await make_client("bulutsantralim", simulator, session).async_get_account()
    assert key not in err.value.provider_message
    assert "**REDACTED**" in err.value.provider_message


async def test_bulutfon_refusal_without_json(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A Bulutfon refusal in plain text still carries its message."""
    simulator.inject(
        "bulutsantralim", "caller_ids", Fault(FaultKind.REJECT, message="")
    )
    with pytest.raises(SantralProviderError, match="HTTP 400"):
        await make_client("bulutsantralim", simulator, session).async_get_account()


@pytest.mark.parametrize("kind", KINDS)
async def test_connection_refused(
    session: aiohttp.ClientSession, simulator: Simulator, kind: str
) -> None:
    """Nothing listening is a connection error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    await simulator.stop()
    simulator.base_url = f"http://127.0.0.1:{port}"
    with pytest.raises(SantralConnectionError, match="Could not reach") as err:
        await make_client(kind, simulator, session).async_get_account()
    assert_no_secret(simulator, err.value)


async def test_all_errors_share_a_base() -> None:
    """Callers can catch every provider failure at once."""
    for error in (
        SantralAuthenticationError,
        SantralConnectionError,
        SantralInvalidResponseError,
        SantralProviderError,
        SantralRateLimitedError,
    ):
        assert issubclass(error, SantralError)


def test_retry_after_parsing() -> None:
    """Retry-After comes in seconds or as an HTTP date."""
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 80 <= (parse_retry_after(later) or 0) <= 90
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier) == 0.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (905321234567, "+905321234567"),
        ("05321234567", "+905321234567"),
        ("5321234567", "+905321234567"),
        ("+90 532 123 45 67", "+905321234567"),
        ("0090 532 123 45 67", "+905321234567"),
        ("1001", "1001"),
        (101, "101"),
        ("", ""),
        (None, ""),
        (True, ""),
        ("123456789", "123456789"),
    ],
)
def test_normalize_number(raw: object, expected: str) -> None:
    """Numbers in every provider spelling normalize to E.164; short numbers stay."""
    assert normalize_number(raw) == expected


@pytest.mark.parametrize(
    ("number", "national", "international"),
    [
        ("+905321234567", "0532 123 45 67", "+90 532 123 45 67"),
        ("+902125556677", "0212 555 66 77", "+90 212 555 66 77"),
        ("+4915123456789", "+4915123456789", "+4915123456789"),
        ("+90212", "+90212", "+90212"),
        ("1001", "1001", "1001"),
    ],
)
def test_format_number(number: str, national: str, international: str) -> None:
    """Turkish numbers are grouped 3-3-2-2; numbers abroad and short ones stay as given."""
    assert format_number(number, NumberFormat.NATIONAL) == national
    assert format_number(number, NumberFormat.INTERNATIONAL) == international
    assert format_number(number, NumberFormat.E164) == number


def test_provider_number() -> None:
    """Providers want `90XXXXXXXXXX`, and `00<digits>` for numbers abroad."""
    assert to_provider_number("0532 123 45 67") == "905321234567"
    assert to_provider_number("+49 151 2345 6789") == "004915123456789"
    assert to_provider_number("1001") == "1001"


async def test_telsam_concurrent_calls_renew_once(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Several calls that meet an expired token together refresh it once."""
    client = make_client("telsam", simulator, session)
    await client.async_get_account()
    simulator.state.telsam.expire_access_tokens()
    await asyncio.gather(*(client.async_get_account() for _ in range(3)))
    assert simulator.state.telsam.grants == {"password": 1, "refresh_token": 1}


async def test_telsam_token_without_refresh_token(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A token answer without a refresh token falls back to the password grant next time."""
    simulator.state.telsam.issue_refresh_tokens = False
    client = make_client("telsam", simulator, session)
    await client.async_get_account()
    simulator.state.telsam.expire_access_tokens()
    await client.async_get_account()
    assert simulator.state.telsam.grants == {"password": 2}


@pytest.mark.parametrize(
    ("client_kind", "status", "body", "expected"),
    [
        ("bulutfon_token", 404, b"<html>Not Found</html>", "<html>Not Found</html>"),
        ("bulutfon_token", 400, b"", "HTTP 400"),
        ("bulutfon_token", 400, b'{"success": false}', '{"success": false}'),
        ("telsam", 404, b"Not Found!", "Not Found!"),
        ("telsam", 404, b'{"message": "Not Found!"}', "Not Found!"),
        ("telsam", 400, b'{"error": "invalid_scope"}', "invalid_scope"),
    ],
)
async def test_refusal_messages(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    client_kind: str,
    status: int,
    body: bytes,
    expected: str,
) -> None:
    """Refusals in every shape the providers use become a readable message."""
    client = make_client(client_kind, simulator, session)
    response = Response(client.provider, status, "text/html", body)
    if isinstance(client, TelsamClient):
        assert client._error_message(response)[1] == expected  # noqa: SLF001
    else:
        assert isinstance(client, BulutfonClient)
        assert client._error_message(response) == expected  # noqa: SLF001


def test_json_object_shape() -> None:
    """A JSON answer of the wrong shape is an invalid response."""
    response = Response(Provider.TELSAM, 200, "application/json", b"[1, 2]")
    assert response.json() == [1, 2]
    with pytest.raises(SantralInvalidResponseError, match="list where an object"):
        response.json_object()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2017-03-15T09:46:05+03:00", "2017-03-15T09:46:05+03:00"),
        ("2017-08-03 12:30:32 +0300", "2017-08-03T12:30:32+03:00"),
        ("2016-01-01 00:00:00", "2016-01-01T00:00:00+02:00"),
        ("2017-08-03 12:30:32 UTC", "2017-08-03T12:30:32+00:00"),
        (1435762851086820, "2015-07-01T15:00:51.086820+00:00"),
        ("1435762851086", "2015-07-01T15:00:51.086000+00:00"),
        (1435762851, "2015-07-01T15:00:51+00:00"),
        ("dün", None),
        ("", None),
        (None, None),
        (True, None),
        (10**30, None),
    ],
)
def test_parse_datetime(raw: object, expected: str | None) -> None:
    """Every provider spelling of a moment becomes an aware datetime."""
    parsed = parse_datetime(raw)
    assert (parsed.isoformat() if parsed else None) == expected


def test_parse_epoch_garbage() -> None:
    """An epoch that is not a number is None."""
    assert parse_epoch("yarın") is None


async def test_recording_url_429_holds_requests_back(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A provider 429 blocks further recording URL requests for as long as it asked."""
    client = make_client("bulutsantralim", simulator, session)
    assert isinstance(client, BulutsantralimClient)
    simulator.inject(
        "bulutsantralim", "recording_url", Fault(FaultKind.RATE_LIMIT, retry_after=30)
    )
    with pytest.raises(SantralRateLimitedError):
        await client.async_get_recording_url("a")
    with pytest.raises(SantralRateLimitedError) as err:
        await client.async_get_recording_url("b")
    assert 25 < (err.value.retry_after or 0) <= 30
    assert simulator.count("bulutsantralim", "recording_url") == 1


async def test_presence_twice_a_minute(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Presence is read at most twice a minute; the third call waits without a request."""
    client = make_client("bulutsantralim", simulator, session)
    assert isinstance(client, BulutsantralimClient)
    simulator.set_user_status("1003", "TALKING")
    first = await client.async_get_extensions()
    assert first["1003"].presence is Presence.TALKING
    await client.async_get_extensions()
    with pytest.raises(SantralRateLimitedError):
        await client.async_get_extensions()
    assert simulator.count("bulutsantralim", "user_statuses") == 2


async def test_presence_429_and_shape(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A provider 429 blocks presence reads; a wrong shape is an invalid response."""
    client = make_client("bulutsantralim", simulator, session)
    assert isinstance(client, BulutsantralimClient)
    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.RATE_LIMIT))
    with pytest.raises(SantralRateLimitedError):
        await client.async_get_extensions()
    other = make_client("bulutsantralim", simulator, session)
    assert isinstance(other, BulutsantralimClient)
    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.HTML))
    with pytest.raises(SantralInvalidResponseError):
        await other.async_get_extensions()


def test_recording_link_shapes() -> None:
    """The recording URL comes as plain text (official docs) or JSON (newer docs)."""
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    text = _recording_link("https://api.bulutsantralim.com/recording/Rabc", now)
    assert text.url.endswith("/Rabc")
    assert text.expires_at == now + timedelta(hours=1)
    data = _recording_link(
        '{"url": "https://x/r", "expires_at": "2026-11-23T12:30:00+00:00"}', now
    )
    assert (data.url, data.expires_at) == ("https://x/r", now + timedelta(minutes=30))
    for bad in ("{oops", '{"url": ""}', "cannot"):
        with pytest.raises(SantralInvalidResponseError):
            _recording_link(bad, now)


@pytest.mark.parametrize(
    ("content", "content_type", "extension"),
    [
        (b"%PDF-1.4", "", "pdf"),
        (b"II*\x00", "", "tiff"),
        (b"MM\x00*", "", "tiff"),
        (b"OggS", "", "ogg"),
        (b"ID3", "", "mp3"),
        (b"RIFF", "", "wav"),
        (b"?", "application/pdf", "pdf"),
        (b"?", "image/tiff", "tiff"),
        (b"?", "audio/ogg", "ogg"),
        (b"?", "audio/mpeg", "mp3"),
        (b"?", "audio/wav", "wav"),
        (b"?", "application/octet-stream", "bin"),
    ],
)
def test_document_extension(content: bytes, content_type: str, extension: str) -> None:
    """Saved files get an extension from their magic bytes, else their content type."""
    assert Document(content, content_type).extension == extension


async def test_truncated_refusal_leaks_no_key_part(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A long refusal is scrubbed before it is cut, so no piece of the key survives."""
    key = simulator.state.bulutsantralim.api_key
    simulator.inject(
        "bulutsantralim", "caller_ids", Fault(FaultKind.REJECT, message="x" * 190 + key)
    )
    with pytest.raises(SantralProviderError) as err:
        await make_client("bulutsantralim", simulator, session).async_get_account()
    assert key[:6] not in err.value.provider_message


def test_scrub_encoded_forms(session: aiohttp.ClientSession) -> None:
    """Secrets echoed URL-encoded or JSON-escaped are scrubbed too."""
    client = BulutfonClient(session, email="a@b.c", password='p@ss "w"')
    assert "p%40ss" not in client.scrub("password=p%40ss+%22w%22")
    assert '\\"w\\"' not in client.scrub('{"password": "p@ss \\"w\\""}')


async def test_limiter_frees_one_slot_at_a_time_after_429() -> None:
    """After a provider 429, slots come back one by one, not all at once."""
    limiter = SlidingWindowLimiter(3, 0.6, "test")
    limiter.block(0.1)
    with pytest.raises(SantralRateLimitedError):
        limiter.acquire()
    await asyncio.sleep(0.12)
    limiter.acquire()
    with pytest.raises(SantralRateLimitedError) as err:
        limiter.acquire()
    assert 0 < (err.value.retry_after or 0) <= 0.2


# --- Extension directory -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bulutfon_token", "bulutfon_login"])
async def test_bulutfon_extensions(
    simulator: Simulator, session: aiohttp.ClientSession, kind: str
) -> None:
    """`/extensions` lists each extension by number with its caller name, no presence."""
    client = make_client(kind, simulator, session)
    assert Capability.EXTENSIONS in client.capabilities
    assert isinstance(client, ExtensionSource)
    extensions = await client.async_get_extensions()
    assert list(extensions) == [str(number) for number in range(1001, 1011)]
    assert extensions["1004"] == Extension("1004", "Dahili 1004", None)
    assert all(ext.presence is None for ext in extensions.values())

    simulator.set_extensions("bulutfon", ["1001", 1002])
    assert await client.async_get_extensions() == {
        "1001": Extension("1001", "Dahili 1001"),
        "1002": Extension("1002", "Dahili 1002"),
    }
    simulator.set_extensions("bulutfon", [])
    assert await client.async_get_extensions() == {}
    assert simulator.count("bulutfon", "extensions") == 3


@pytest.mark.parametrize(
    ("fault", "error", "fragment"),
    [
        (
            Fault(FaultKind.REJECT, status=401, message="Unauthorized"),
            SantralAuthenticationError,
            "HTTP 401",
        ),
        (
            Fault(FaultKind.REJECT, status=403, message="Forbidden"),
            SantralAuthenticationError,
            "HTTP 403",
        ),
        (
            Fault(FaultKind.REJECT, status=422, message="dahili bulunamadı"),
            SantralProviderError,
            "dahili bulunamadı",
        ),
        (Fault(FaultKind.SERVER_ERROR, status=500), SantralConnectionError, "HTTP 500"),
        (Fault(FaultKind.RATE_LIMIT, retry_after=9), SantralRateLimitedError, "rate"),
        (Fault(FaultKind.HTML), SantralInvalidResponseError, "not JSON"),
        (Fault(FaultKind.TRUNCATED), SantralInvalidResponseError, "not JSON"),
    ],
)
async def test_bulutfon_extensions_faults(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    fault: Fault,
    error: type[SantralError],
    fragment: str,
) -> None:
    """Faults of `/extensions` become the same errors as those of any Bulutfon request."""
    simulator.inject("bulutfon", "extensions", fault)
    client = make_client("bulutfon_token", simulator, session)
    assert isinstance(client, BulutfonClient)
    with pytest.raises(error, match=fragment) as err:
        await client.async_get_extensions()
    assert type(err.value) is error
    assert_no_secret(simulator, err.value)
    assert len(await client.async_get_extensions()) == 10


async def test_bulutfon_extensions_credentials(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A wrong or expired token is an authentication error here as on `/me`."""
    wrong = make_client("bulutfon_token", simulator, session, token="wrong")
    assert isinstance(wrong, BulutfonClient)
    with pytest.raises(SantralAuthenticationError, match="Unauthorized"):
        await wrong.async_get_extensions()
    simulator.state.bulutfon.token_expired = True
    client = make_client("bulutfon_token", simulator, session)
    assert isinstance(client, BulutfonClient)
    with pytest.raises(SantralAuthenticationError, match="Token expired") as err:
        await client.async_get_extensions()
    assert_no_secret(simulator, err.value)


async def _bulutfon_answering(
    session: aiohttp.ClientSession, body: object
) -> tuple[BulutfonClient, TestServer]:
    """Return a client of a server whose `/extensions` answers `body`, and the server."""

    async def handle(_request: web.Request) -> web.Response:
        return web.json_response(body)

    app = web.Application()
    app.router.add_get("/extensions", handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return BulutfonClient(session, token="t", base_url=str(server.make_url(""))), server


async def test_bulutfon_extensions_skip_malformed_items(
    session: aiohttp.ClientSession,
) -> None:
    """Numbers as text or integers are kept; items without a usable number are skipped."""
    client, server = await _bulutfon_answering(
        session,
        {
            "extensions": [
                {"id": 1, "number": 1001, "registered": True, "caller_name": " Ada "},
                {"id": 2, "number": "1002", "caller_name": "   "},
                {"id": 3, "number": 1003},
                {"id": 4, "number": 1004, "caller_name": 42},
                {"id": 5},
                {"id": 6, "number": None, "caller_name": "Kimse"},
                {"id": 7, "number": True},
                {"id": 8, "number": 10.5},
                {"id": 9, "number": "10a"},
                {"id": 10, "number": -1005},
                {"id": 11, "number": "١٢٣٤"},
                {"id": 12, "number": ["1006"]},
                "1007",
                None,
            ]
        },
    )
    try:
        extensions = await client.async_get_extensions()
    finally:
        await server.close()
    assert extensions == {
        "1001": Extension("1001", "Ada"),
        "1002": Extension("1002"),
        "1003": Extension("1003"),
        "1004": Extension("1004"),
    }


@pytest.mark.parametrize(
    "body",
    [
        {"extensions": None},
        {"extensions": {"1001": {"number": 1001}}},
        {"dahililer": []},
        [{"number": 1001}],
        "extensions",
    ],
)
async def test_bulutfon_extensions_wrong_shape(
    session: aiohttp.ClientSession, body: object
) -> None:
    """A body that is not an object with an `extensions` list is an invalid response."""
    client, server = await _bulutfon_answering(session, body)
    try:
        with pytest.raises(SantralInvalidResponseError):
            await client.async_get_extensions()
    finally:
        await server.close()


async def test_bulutsantralim_extensions_carry_presence(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """`/user_statuses` lists the extensions with presence, within the shared limit."""
    client = make_client("bulutsantralim", simulator, session)
    assert Capability.EXTENSIONS in client.capabilities
    assert isinstance(client, ExtensionSource)
    assert isinstance(client, BulutsantralimClient)
    simulator.set_user_status("1003", "TALKING")
    simulator.set_user_status("1004", "SS_DND")
    simulator.set_user_status("1005", "UNREGISTERED")
    extensions = await client.async_get_extensions()
    assert list(extensions) == [str(number) for number in range(1001, 1011)]
    assert extensions["1001"] == Extension("1001", presence=Presence.AVAILABLE)
    assert await client.async_get_extensions() == extensions
    assert extensions["1003"].presence is Presence.TALKING
    assert extensions["1004"].presence is Presence.DO_NOT_DISTURB
    assert extensions["1005"].presence is Presence.UNREGISTERED
    assert all(ext.name is None for ext in extensions.values())
    with pytest.raises(SantralRateLimitedError):
        await client.async_get_extensions()
    with pytest.raises(SantralRateLimitedError):
        await client.async_get_extensions()
    assert simulator.count("bulutsantralim", "user_statuses") == 2


async def test_bulutsantralim_extensions_follow_the_pbx(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """Removed extensions vanish, their statuses with them; one re-added is available."""
    simulator.set_user_status("1004", "TALKING")
    simulator.set_user_status("1005", "SS_DND")
    simulator.set_extensions("bulutsantralim", ["1005", 2001])
    client = make_client("bulutsantralim", simulator, session)
    assert isinstance(client, BulutsantralimClient)
    assert await client.async_get_extensions() == {
        "1005": Extension("1005", presence=Presence.DO_NOT_DISTURB),
        "2001": Extension("2001", presence=Presence.AVAILABLE),
    }
    simulator.set_extensions("bulutsantralim", ["1004", "1005"])
    assert await client.async_get_extensions() == {
        "1004": Extension("1004", presence=Presence.AVAILABLE),
        "1005": Extension("1005", presence=Presence.DO_NOT_DISTURB),
    }


async def test_bulutsantralim_extensions_429_and_shape(
    simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    """A provider 429 holds extensions and presence back alike; HTML is invalid."""
    client = make_client("bulutsantralim", simulator, session)
    assert isinstance(client, BulutsantralimClient)
    simulator.inject(
        "bulutsantralim", "user_statuses", Fault(FaultKind.RATE_LIMIT, retry_after=20)
    )
    with pytest.raises(SantralRateLimitedError) as err:
        await client.async_get_extensions()
    assert err.value.retry_after == 20
    with pytest.raises(SantralRateLimitedError) as held:
        await client.async_get_extensions()
    assert 15 < (held.value.retry_after or 0) <= 20
    assert simulator.count("bulutsantralim", "user_statuses") == 1

    other = make_client("bulutsantralim", simulator, session)
    assert isinstance(other, BulutsantralimClient)
    simulator.inject("bulutsantralim", "user_statuses", Fault(FaultKind.HTML))
    with pytest.raises(SantralInvalidResponseError):
        await other.async_get_extensions()
    wrong = make_client("bulutsantralim", simulator, session, api_key="K-wrong")
    assert isinstance(wrong, BulutsantralimClient)
    with pytest.raises(SantralAuthenticationError):
        await wrong.async_get_extensions()


def test_telsam_lists_no_extensions(session: aiohttp.ClientSession) -> None:
    """Telsam is fax only: it neither claims nor offers an extension directory."""
    client = TelsamClient(
        session, username="u", password="p", client_id="1", client_secret="s"
    )
    assert Capability.EXTENSIONS not in client.capabilities
    assert not isinstance(client, ExtensionSource)
