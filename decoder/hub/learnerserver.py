"""What a learner's server is, whatever engine runs it: its hardening's numbers, its
environment (the open lessons, the course service's address, the language, the staff menu) and
whether it is a review room. Mixed into both spawners, Docker's (decoder/hub/spawner.py) and
Kubernetes' (decoder/hub/kube.py), before the engine's own class."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tornado import web
from traitlets import Bool, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from .. import protocol
from ..course import Course, load_course_cached, open_lessons
from ..messages import say
from ..service.runs import run_store
from ..settings import PlatformSettings, process_settings
from .hardening import (
    DEFAULT_CPU_LIMIT,
    DEFAULT_MEM_LIMIT,
    DEFAULT_PIDS_LIMIT,
    DEFAULT_TMP_SIZE,
    Hardening,
    hardening_of,
)
from .roles import room_names

HOME = "/home/jovyan"


def lab_environment(settings: PlatformSettings) -> dict[str, str]:
    """What the course's code in a learner's JupyterLab needs of the platform's settings: where
    the course service is, the largest submission, the language, the home's size limit,
    where to ask for help (pure)."""
    return {
        protocol.COURSE_URL_ENV: protocol.service_url(settings.course_service_url),
        protocol.MAX_SUBMISSION_ENV: str(settings.max_submission_mb),
        protocol.LANGUAGE_ENV: settings.ui_language,
        protocol.HOME_LIMIT_ENV: str(settings.home_size_mb),
        protocol.HELP_ENV: settings.help_text,
    }


def refused(status: int, key: str, language: str, **values) -> web.HTTPError:
    """A start refused with a message of the catalogue, shown as is on the hub's page (which
    otherwise puts its own « failed » in place of a spawner's message) and in its API."""
    text = say(key, language, **values)
    error = web.HTTPError(status, text.replace("%", "%%"))
    error.jupyterhub_message = text
    return error


class LearnerServer(LoggingConfigurable):
    pids_limit = Integer(
        DEFAULT_PIDS_LIMIT,
        help="Most processes and threads a learner container may run; stops fork bombs. "
        "Example: 256.",
    ).tag(config=True)

    tmp_size = Unicode(
        DEFAULT_TMP_SIZE, help="Size of the tmpfs mounted on /tmp (memory-backed). Example: '256m'."
    ).tag(config=True)

    read_only_root = Bool(
        True,
        help="Mount the image's filesystem read-only; only the home volume and /tmp are "
        "writable. Example: True.",
    ).tag(config=True)

    @default("mem_limit")
    def _default_mem_limit(self):
        return DEFAULT_MEM_LIMIT

    @default("cpu_limit")
    def _default_cpu_limit(self):
        return DEFAULT_CPU_LIMIT

    @property
    def hardening(self) -> Hardening:
        return hardening_of(self.mem_limit, self.cpu_limit, self.pids_limit, self.tmp_size,
                            self.read_only_root)

    @property
    def platform(self) -> PlatformSettings:
        """The platform's settings, loaded once by the hub's process (jupyterhub_config.py)."""
        return process_settings()

    @property
    def room(self) -> bool:
        """This server is a review room's (roles.py)."""
        return self.user.name in room_names(self.platform.rooms)

    def get_env(self):
        env = super().get_env()
        settings = self.platform
        if self.room:  # no lessons, no course service: a peer's notebook runs here
            return {**env, "DECODER_LESSONS": "", protocol.ROOM_ENV: "1",
                    protocol.LANGUAGE_ENV: settings.ui_language}
        course = load_course_cached(Path(settings.course_file))
        env["DECODER_LESSONS"] = " ".join(self.open_lessons(course, settings))
        env[protocol.POINTS_PER_HINT_ENV] = format(course.hints.points_per_hint, "g")
        if any(group.name == "instructors" for group in self.user.groups):
            env["DECODER_STAFF"] = "1"  # the staff entries of the lab's "Cours" menu
        return {**env, **lab_environment(settings)}

    def open_lessons(self, course: Course, settings: PlatformSettings) -> list[str]:
        """The lesson folders of the weeks open now in the current run (none before a run
        exists: ``decoder up`` makes the demo's)."""
        run = run_store(settings.course_db_url).current()
        if run is None:
            self.log.warning("No course run: %s gets no lesson (decoder run start NAME DATE)",
                             self.user.name)
            return []
        return open_lessons(course.in_run(run), datetime.now(UTC))
