"""JupyterHub with patience for slow services, and its pages kept on their own origins:
``python -m decoder.hub.hubapp -f jupyterhub_config.py``.

Overrides:
- ``init_tornado_application`` adds the origin guard (decoder/hub/origin_guard.py) when every
  person has an origin of its own (``subdomain_host``).
- ``start_service``: JupyterHub gives a managed service with a URL about ten seconds to answer,
  then exits. Ours can need more on a busy machine: the formgrader is a container whose
  Jupyter server imports nbgrader, the course service migrates its database and starts its
  grading workers. Where JupyterHub gave up but the service's process still runs, wait up to
  ``service_start_timeout`` seconds more for it before giving up the same way.
"""

from __future__ import annotations

from jupyterhub.app import JupyterHub
from jupyterhub.objects import Server
from jupyterhub.utils import AnyTimeoutError
from tornado.routing import Rule
from traitlets import Integer

from .origin_guard import ProxiedUnderAnotherName, ToItsOrigin, guard_rules


class DecoderHub(JupyterHub):
    service_start_timeout = Integer(
        120,
        help="Seconds a managed service with a URL (course service, formgrader) may take to "
        "answer at the hub's start, beyond JupyterHub's own ten, while its process runs. "
        "Example: 300.",
    ).tag(config=True)

    def init_tornado_application(self):
        super().init_tornado_application()
        if self.subdomain_host:
            services = frozenset(spec["name"] for spec in self.services)
            for host, handlers in guard_rules(self.subdomain_host, services):
                self.tornado_application.add_handlers(host, handlers)
            self.tornado_application.default_router.rules.insert(0, Rule(
                ProxiedUnderAnotherName(self.subdomain_host), ToItsOrigin,
                {"public_url": self.subdomain_host, "services": services}))

    async def start_service(self, service_name, service, ssl_context=None):
        if await super().start_service(service_name, service, ssl_context):
            return True
        if not (service.managed and service.url) or await service.spawner.poll() is not None:
            return False  # it exited: JupyterHub said so
        self.log.info("Service %s still starting: waiting up to %d s more", service_name,
                      self.service_start_timeout)
        try:
            await Server.from_orm(service.orm.server).wait_up(
                http=True, timeout=self.service_start_timeout, ssl_context=ssl_context)
        except AnyTimeoutError:
            self.log.critical("Service %s did not answer within %d s more", service_name,
                              self.service_start_timeout)
            return False
        self.log.info("Service %s is up", service_name)
        return True


main = DecoderHub.launch_instance

if __name__ == "__main__":
    main()
