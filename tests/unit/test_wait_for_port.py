"""The spawner's wait for a starting server's port, against real sockets on loopback."""

from __future__ import annotations

import asyncio

from decoder.hub.spawner import wait_for_port
from tests.localhost import free_port


def test_returns_as_soon_as_a_server_listens():
    port = free_port()

    async def scenario() -> tuple[bool, bool]:
        async def listen_later():
            await asyncio.sleep(0.5)  # the server is still starting
            return await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)

        starting = asyncio.ensure_future(listen_later())
        answered = await wait_for_port("127.0.0.1", port, interval=0.05, timeout=60)
        listening = starting.done()  # refused connections were retried until it listened
        (await starting).close()
        return answered, listening

    assert asyncio.run(scenario()) == (True, True)


def test_gives_up_after_the_timeout_when_nothing_listens():
    assert asyncio.run(wait_for_port("127.0.0.1", free_port(), interval=0.05, timeout=0.5)) is False
