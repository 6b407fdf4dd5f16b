"""The stock stack for bench/spawn.py: plain DockerSpawner, same image, default settings."""

import os

c = get_config()  # noqa: F821
data = os.environ["BENCH_DATA_DIR"]
port = int(os.environ["BENCH_PORT"])

c.JupyterHub.bind_url = f"http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "0.0.0.0"
c.JupyterHub.hub_port = port + 81
c.JupyterHub.hub_connect_ip = os.environ["BENCH_DOCKER_GATEWAY"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 1}"
c.ConfigurableHTTPProxy.command = [os.environ["BENCH_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = f"{data}/proxy.pid"
c.JupyterHub.db_url = f"sqlite:///{data}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{data}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "docker"
c.DockerSpawner.image = os.environ["BENCH_IMAGE"]
c.DockerSpawner.name_template = "bench-stock-{username}"
c.DockerSpawner.remove = True
c.JupyterHub.services = [{"name": "bench", "api_token": os.environ["BENCH_TOKEN"]}]
c.JupyterHub.load_roles = [{
    "name": "bench",
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users"],
    "services": ["bench"],
}]
# The same patience as ours (jupyterhub_config.py): on a slow, shared machine a burst of cold
# starts takes longer than DockerSpawner's default 30 s, and stock spawns then failed
# (2026-12-03). A limit to give up at, not a speed: it changes no time measured.
c.DockerSpawner.start_timeout = 120
c.DockerSpawner.http_timeout = 90
