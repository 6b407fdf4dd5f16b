"""The course service's process, started by the hub (``python -m decoder.course_app``): its
settings, its database, the grading pipeline (pipeline.py), then the web API (app.py)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jupyterhub.services.auth import HubOAuth
from tornado import ioloop

from .. import origins, protocol
from ..course import load_course_cached
from ..dashboard.awards import BadgeService
from ..dashboard.view import CourseView
from ..hub.roles import room_names
from ..keys import ensure_token
from ..peer.rooms import Limits, RoomService
from ..peer.service import PeerService
from ..peer.store import PeerStore
from ..service import queue_api
from ..service.hub import Hub
from ..service.pipeline import GradingPipeline
from ..service.runs import Courses, RunStore, ensure_run
from ..service.service import CourseService
from ..service.store import Store
from ..settings import PlatformSettings
from .app import make_app

log = logging.getLogger("decoder.course")


def keep_rooms(rooms: RoomService, peer: PeerService) -> None:
    try:
        rooms.tick(peer.peer_store.sent)
    except Exception:  # noqa: BLE001 - a hub that does not answer now: the next tick tries again
        log.exception("keeping the review rooms failed")


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="[%(levelname)1.1s %(asctime)s %(name)s] %(message)s")
    settings = PlatformSettings.load()
    problem = settings.placement_problem() or settings.grading_queue_problem()
    if problem:
        raise SystemExit(f"The course service cannot start: {problem}")
    settings.course_storage.mkdir(parents=True, exist_ok=True)
    store = Store(settings.course_db_url)
    store.migrate()
    runs = RunStore(store.engine)
    courses = Courses(lambda: load_course_cached(Path(settings.course_file)), runs)
    started = ensure_run(runs, courses.rhythm(), dt.datetime.now(dt.UTC))
    if started:
        log.info("no course run yet: the demo's started on %s", started.run.starts_on)

    hub_auth = HubOAuth.instance()
    accounts = room_names(settings.rooms)
    hub = Hub(hub_auth.api_url, hub_auth.api_token, public_url=settings.public_url,
              proxy_address=settings.proxy_address,
              not_learners=frozenset(room_names(settings.review_rooms)))
    service = CourseService(settings, store, courses)
    peer = PeerService(store, PeerStore(store.engine), settings.course_storage, courses,
                       language=settings.ui_language, min_comment=settings.peer_min_comment)
    view = CourseView(store, peer, courses, hub.learners, hub.instructors,
                      marks=service.marks, marks_version=service.marks_version)
    badges = BadgeService(store.engine, view, settings.path("secrets", "badge-key.pem"),
                          origins.service_url(settings.public_url, protocol.SERVICE),
                          settings.ui_language, demo=not settings.public_base_url)
    pipeline = GradingPipeline(settings, store, service)
    pipeline.start()

    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{protocol.SERVICE}/")
    # signed cookies of the service's pages, kept so that a restart signs nobody out
    cookie_secret = ensure_token(settings.path("secrets", "course_cookie_secret")).encode()
    rooms = RoomService(store.engine, hub, accounts, Limits(
        settings.review_rooms_ready, dt.timedelta(minutes=settings.review_room_minutes),
        dt.timedelta(minutes=settings.review_room_idle_minutes))) if accounts else None
    app = make_app(service, peer, view, badges, prefix, hub, cookie_secret, rooms=rooms,
                   form_targets=origins.subdomains_of(settings.public_url),
                   hub_url=settings.public_url)
    largest = protocol.max_request_bytes(settings.max_submission_mb)
    server = app.listen(settings.course_service_port, address=settings.course_service_bind_ip,
                        xheaders=True, max_body_size=largest)
    log.info("course service on %s%s, %d grading worker(s)", settings.course_service_url,
             prefix, pipeline.pool.size)
    queue_server = queue_api.listen(settings, store)
    if queue_server is not None:
        log.info("grading queue for other machines on %s", settings.grading_queue_address)
    ioloop.PeriodicCallback(pipeline.tick, 1000).start()
    if rooms is not None:  # one tick at a time, away from the event loop (it asks the hub)
        keeping = ThreadPoolExecutor(1, thread_name_prefix="rooms")
        ticking: list = []

        def keep_rooms_soon() -> None:
            # a hub slow to answer makes a tick last longer than 5 s: skip, never queue up
            if not ticking or ticking[-1].done():
                ticking[:] = [keeping.submit(keep_rooms, rooms, peer)]
        ioloop.PeriodicCallback(keep_rooms_soon, 5000).start()

    loop = ioloop.IOLoop.current()
    stopping = []

    def stop(*_):
        """Once, whatever signals follow (the hub sends SIGINT then SIGTERM; its death sends
        SIGTERM too, decoder/hub/childof.py): the work is done in the loop, not in the handler,
        so a second signal cannot re-enter a stop that holds the pool's lock."""
        if not stopping:
            stopping.append(True)
            loop.add_callback_from_signal(shut_down)

    def shut_down():
        log.info("stopping: grading workers first")
        pipeline.stop()
        if queue_server is not None:
            queue_server.stop()
        server.stop()  # the port is free at once for the next service, even while a
        loop.stop()    # release being prepared finishes in its thread

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    loop.start()


main()
