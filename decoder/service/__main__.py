"""The course service's process, started by the hub (``python -m decoder.service``): its
settings, its database, the grading pipeline (pipeline.py), then the web API (app.py)."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

from jupyterhub.services.auth import HubOAuth
from tornado import ioloop

from .. import protocol
from ..course import load_course_cached
from ..keys import ensure_token
from ..peer.service import PeerService
from ..peer.store import PeerStore
from ..settings import PlatformSettings
from .app import Instructors, make_app
from .pipeline import GradingPipeline
from .service import CourseService
from .store import Store

log = logging.getLogger("decoder.course")


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="[%(levelname)1.1s %(asctime)s %(name)s] %(message)s")
    settings = PlatformSettings.load()
    settings.course_storage.mkdir(parents=True, exist_ok=True)
    store = Store(settings.course_db_url)
    store.migrate()
    service = CourseService(settings, store)
    peer = PeerService(store, PeerStore(store.engine), settings.course_storage,
                       lambda: load_course_cached(Path(settings.course_file)),
                       language=settings.ui_language, min_comment=settings.peer_min_comment)
    pipeline = GradingPipeline(settings, store, service)
    pipeline.start()

    hub_auth = HubOAuth.instance()
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{protocol.SERVICE}/")
    # signed cookies of the peer-review pages, kept so that a restart signs nobody out
    cookie_secret = ensure_token(settings.path("secrets", "course_cookie_secret")).encode()
    app = make_app(service, peer, prefix, Instructors(hub_auth.api_url, hub_auth.api_token),
                   cookie_secret)
    app.listen(settings.course_service_port, address=settings.gateway_ip, xheaders=True,
               max_body_size=protocol.max_request_bytes(settings.max_submission_mb))
    log.info("course service on %s%s, %d grading worker(s)", settings.course_service_url,
             prefix, pipeline.pool.size)
    ioloop.PeriodicCallback(pipeline.tick, 1000).start()

    def stop(*_):
        log.info("stopping: grading workers first")
        pipeline.stop()
        ioloop.IOLoop.current().add_callback_from_signal(ioloop.IOLoop.current().stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ioloop.IOLoop.current().start()


main()
