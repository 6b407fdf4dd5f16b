"""`decoder course-service`: the course service run apart from the hub, in the foreground (a
service unit of another machine; on Kubernetes, its Deployment sets the same environment:
decoder/ops/kubeservices.py).

The hub routes to it at ``course_service_address`` and both share its token
(decoder/hub/hubconfig.py); this process gets the JUPYTERHUB_* environment a service started
by the hub would get, then becomes the service (``python -m decoder.course_app``).
"""

from __future__ import annotations

import os
import sys

from ..hub.hubconfig import apart_environment, service_token
from ..protocol import SERVICE
from ..settings import PlatformSettings


def course_service_environment(settings: PlatformSettings, hub_api: str) -> dict[str, str]:
    listen = f"http://{settings.course_service_bind_ip}:{settings.course_service_port}"
    return {**settings.child_environment(), "PYTHONUNBUFFERED": "1",
            **apart_environment(settings, SERVICE, hub_api, listen),
            "JUPYTERHUB_API_TOKEN": service_token(settings, SERVICE)}


def cmd_course_service(settings: PlatformSettings, args) -> int:
    if not settings.course_service_apart:
        raise ValueError("the hub starts the course service itself (course_service_address "
                         "is empty): set course_service_address to where the hub reaches "
                         "this one, e.g. 'http://10.0.0.6:8082', on both machines")
    problem = settings.placement_problem() or settings.grading_queue_problem()
    if problem:
        raise ValueError(problem)
    env = course_service_environment(settings, args.hub_api or settings.hub_url + "/hub/api")
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "decoder.course_app"], env)
    return 1  # not reached


def add_parser(sub) -> None:
    course = sub.add_parser("course-service", help="run the course service apart from the hub "
                            "(course_service_address), in the foreground")
    course.add_argument("--hub-api", default="", help="the hub's API, "
                        "http://HOST:PORT/hub/api (default: this machine's hub)")
