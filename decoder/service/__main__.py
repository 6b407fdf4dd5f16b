"""The course service's process, started by the hub (``python -m decoder.service``): its
settings, its database, the grading pipeline (pipeline.py), then the web API (app.py)."""

from __future__ import annotations

import logging
import os
import signal

from jupyterhub.services.auth import HubAuth
from tornado import ioloop

from .. import protocol
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
    pipeline = GradingPipeline(settings, store, service)
    pipeline.start()

    hub_auth = HubAuth.instance()
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{protocol.SERVICE}/")
    app = make_app(service, prefix, Instructors(hub_auth.api_url, hub_auth.api_token))
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
