"""The live-stream server (`commentsvc stream`): thousands of open streams in one asyncio process.

An open stream costs a coroutine and a socket here, never one of the web workers that pages
and posts need. It serves only `GET /api/v1/stream` (and `/healthz`); `commentsvc serve` runs
one beside gunicorn, and a proxy can route `/api/v1/stream` to it directly.

How a change reaches a stream: one poller per process asks the database for the versions of
every article someone watches (one query, every live.POLL_SECONDS) and, for each that moved,
the events after the version it last saw; it hands them to every stream on that article. A note
on Redis pub/sub (published by whichever process made the change) wakes the poller at once, so
with Redis a change arrives in milliseconds and without it within half a second; either way
the database decides what is sent, so no event is missed because another process wrote it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from marshmallow import ValidationError
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from commentsvc import live
from commentsvc.models import LiveEvent, utcnow
from commentsvc.schemas import StreamQuery

log = logging.getLogger(__name__)
FORGET_EVERY_SECONDS = 3600
HUB: web.AppKey[Hub] = web.AppKey("hub")
# A stream server's answers carry only ids and versions, never a comment's content (that comes
# from the API, which checks the page's origin): any page may listen.
HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-store",
           "X-Accel-Buffering": "no", "Access-Control-Allow-Origin": "*"}


@dataclass(eq=False)
class Watch:
    """Everyone streaming one article, and the version they have all been sent up to."""

    site_key: str
    article_key: str
    article_id: int | None
    version: int
    queues: set[asyncio.Queue] = field(default_factory=set)


class Hub:
    def __init__(self, engine: Engine, redis_url: str = "",
                 poll_seconds: float = live.POLL_SECONDS) -> None:
        self.engine = engine
        self.redis_url = redis_url
        self.poll_seconds = poll_seconds
        self.watches: dict[tuple[str, str], Watch] = {}
        self.streams = 0
        self.handlers: set[asyncio.Task] = set()  # open streams, ended on shutdown
        self.wake = asyncio.Event()
        # Database calls block: a few threads, so a slow query never stops the event loop.
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-db")

    async def db(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    # -- the database side (runs in the pool's threads) --
    def _open(self, site_key: str, article_key: str, since: int | None) -> tuple:
        with self.engine.connect() as connection:
            found, article_id, version = live.article_of(connection, site_key, article_key)
            changes = []
            if found and article_id is not None and since is not None:
                changes = live.changes_since(connection, article_id, since)
        return found, article_id, version, changes

    def _check(self, watches: list[Watch]) -> list[tuple[Watch, int | None, int, list]]:
        """What moved: (watch, article id, version now, events since the watch's version)."""
        moved = []
        with self.engine.connect() as connection:
            ids = {w.article_id: w for w in watches if w.article_id is not None}
            now = live.versions(connection, ids)
            for watch in watches:
                article_id = watch.article_id
                if article_id is None:  # no comment yet when the stream opened: by key
                    _, article_id, version = live.article_of(connection, watch.site_key,
                                                             watch.article_key)
                    if article_id is None:
                        continue
                else:
                    version = now.get(article_id, watch.version)
                if version > watch.version:
                    moved.append((watch, article_id, version,
                                  live.changes_since(connection, article_id, watch.version)))
        return moved

    def _forget_old(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(LiveEvent).where(
                LiveEvent.created_at < utcnow() - live.KEEP))

    # -- the loop side --
    async def poll_forever(self) -> None:
        forgotten = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.poll_seconds)
            self.wake.clear()
            try:
                if self.watches:
                    for watch, article_id, version, changes in await self.db(
                            self._check, list(self.watches.values())):
                        watch.article_id, watch.version = article_id, version
                        for queue in watch.queues:
                            queue.put_nowait(changes)
                if time.monotonic() - forgotten > FORGET_EVERY_SECONDS:
                    forgotten = time.monotonic()
                    await self.db(self._forget_old)
            except Exception:  # a database that is away: try again at the next tick
                log.exception("live: polling the database failed")
                await asyncio.sleep(self.poll_seconds)

    async def listen_to_redis(self) -> None:
        import redis.asyncio as aioredis

        while True:
            try:
                client = aioredis.Redis.from_url(self.redis_url)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(live.CHANNEL)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: the poll still delivers, only later
                log.warning("live: Redis pub/sub unavailable (%s); polling only", exc)
                await asyncio.sleep(2)

    def join(self, site_key: str, article_key: str, article_id: int | None,
             version: int) -> tuple[Watch, asyncio.Queue]:
        watch = self.watches.get((site_key, article_key))
        if watch is None:
            watch = self.watches[(site_key, article_key)] = Watch(
                site_key, article_key, article_id, version)
        queue: asyncio.Queue = asyncio.Queue()
        watch.queues.add(queue)
        self.streams += 1
        return watch, queue

    def leave(self, watch: Watch, queue: asyncio.Queue) -> None:
        watch.queues.discard(queue)
        self.streams -= 1
        if not watch.queues:
            self.watches.pop((watch.site_key, watch.article_key), None)


def error(status: int, code: str, message: str, fields: dict | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, **({"fields": fields} if fields else {})}}
    return web.json_response(body, status=status,
                             headers={"Access-Control-Allow-Origin": "*"})


def parse_query(request: web.Request) -> dict:
    args = StreamQuery().load(dict(request.query))
    if args["since"] is None:
        raw = request.headers.get("Last-Event-ID", "").strip()
        if raw.isdigit() and len(raw) < 10:
            args["since"] = int(raw)
    return args


async def stream(request: web.Request) -> web.StreamResponse:
    hub: Hub = request.app[HUB]
    try:
        args = parse_query(request)
    except ValidationError as exc:
        fields = {k: v if isinstance(v, list) else [str(v)] for k, v in exc.messages.items()}
        first = next(iter(fields.items()))
        return error(400, "bad_request", f"{first[0]}: {first[1][0]}", fields)
    since = args["since"]
    found, article_id, version, changes = await hub.db(hub._open, args["site"],
                                                       args["article"], since)
    if not found:
        return error(404, "site_not_found", f"no site called {args['site']!r}")
    response = web.StreamResponse(headers=HEADERS)
    await response.prepare(request)
    watch, queue = hub.join(args["site"], args["article"], article_id, version)
    task = asyncio.current_task()
    hub.handlers.add(task)
    try:
        start = version if since is None else min(since, version)
        last = max([start, *(c.version for c in changes)])
        await response.write((live.ready(start, 1000) + "".join(c.sse() for c in changes)).encode())
        while True:
            try:
                batch = await asyncio.wait_for(queue.get(), live.HEARTBEAT_SECONDS)
            except TimeoutError:
                # Keeps proxies from closing an idle stream, and finds readers who left.
                await response.write(b": ping\n\n")
                continue
            fresh = [c for c in batch if c.version > last]
            if fresh:
                last = fresh[-1].version
                await response.write("".join(c.sse() for c in fresh).encode())
    except ConnectionResetError:  # the reader left
        pass
    finally:
        hub.handlers.discard(task)
        hub.leave(watch, queue)
    return response


async def health(request: web.Request) -> web.Response:
    hub: Hub = request.app[HUB]
    return web.json_response({"status": "ok", "streams": hub.streams,
                              "articles": len(hub.watches), "pid": os.getpid()})


async def not_found(request: web.Request) -> web.Response:
    return error(404, "not_found", "this server only serves /api/v1/stream")


def make_app(engine: Engine, redis_url: str = "", poll_seconds: float = live.POLL_SECONDS,
             parent_pid: int | None = None) -> web.Application:
    app = web.Application()
    app[HUB] = Hub(engine, redis_url, poll_seconds)
    app.router.add_get("/api/v1/stream", stream)
    app.router.add_get("/healthz", health)
    app.router.add_route("*", "/{tail:.*}", not_found)

    async def background(app: web.Application):
        hub = app[HUB]
        hub.wake = asyncio.Event()
        tasks = [asyncio.create_task(hub.poll_forever())]
        if redis_url:
            tasks.append(asyncio.create_task(hub.listen_to_redis()))
        if parent_pid:
            tasks.append(asyncio.create_task(exit_with_parent(parent_pid)))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Wait for a query in flight: its connection goes back to the pool, not to the GC.
        hub.pool.shutdown(wait=True)

    async def end_streams(app: web.Application) -> None:
        # Open streams would otherwise outlive the server's shutdown; browsers reconnect.
        handlers = list(app[HUB].handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    app.cleanup_ctx.append(background)
    app.on_shutdown.append(end_streams)
    return app


async def exit_with_parent(parent_pid: int) -> None:
    """Run by `commentsvc serve`: stop when it does, even if it was killed outright."""
    while os.getppid() == parent_pid:
        await asyncio.sleep(1)
    log.warning("live: commentsvc serve is gone; stopping")
    os._exit(0)


def run(flask_app: Any, host: str, port: int, parent_pid: int | None = None) -> None:
    from commentsvc.extensions import db

    with flask_app.app_context():
        engine = db.engine
    redis_url = live.redis_url(flask_app.config)
    print(json.dumps({"live": f"http://{host}:{port}/api/v1/stream",
                      "redis": bool(redis_url)}), flush=True)
    web.run_app(make_app(engine, redis_url, parent_pid=parent_pid), host=host, port=port,
                print=None, access_log=None, shutdown_timeout=1, handle_signals=True)
