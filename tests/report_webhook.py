"""A provider's report webhook played by a small aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True, slots=True)
class Post:
    """One POST the webhook got."""

    content_type: str
    body: bytes
    form: dict[str, str]


class Webhook:
    """A report webhook on 127.0.0.1 that keeps every post; answers `statuses` in turn."""

    def __init__(self) -> None:
        """Keep nothing yet, and answer 200."""
        self.posts: list[Post] = []
        self.statuses: list[int] = []
        self.server: TestServer | None = None
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        """Return where to post."""
        assert self.server is not None
        return str(self.server.make_url("/hook"))

    @property
    def reports(self) -> list[dict[str, str]]:
        """Return the form of every post that was not the empty check."""
        return [post.form for post in self.posts if post.body]

    async def handle(self, request: web.Request) -> web.Response:
        """Keep the post, answer the next status."""
        body = await request.read()
        form = {k: str(v) for k, v in (await request.post()).items()}
        async with self._arrived:
            self.posts.append(Post(request.content_type, body, form))
            self._arrived.notify_all()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="OK")

    async def wait_for(self, count: int) -> None:
        """Wait until `count` posts arrived."""
        async with asyncio.timeout(5), self._arrived:
            await self._arrived.wait_for(lambda: len(self.posts) >= count)
