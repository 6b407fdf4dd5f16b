"""The hub's side: what runs in JupyterHub's process or is started by it.

- the learners' servers: ``spawner`` (Docker) and ``kube`` (Kubernetes), built on
  ``learnerserver`` and the hardening defined once (``hardening``), with ``network``
  (the learners' network and firewall), ``homes`` (their homes), ``memory`` (what the
  machine still holds);
- who comes in: ``authenticator``, ``lti``, ``accounts``, ``roles``, ``origin_guard``,
  ``hubapp``;
- the services the hub starts beside the course service: ``formgrader``, ``prestart`` (class
  sessions), each under ``childof`` (it ends with the hub).
"""
