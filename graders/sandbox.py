"""Kernels for grading, each in a throwaway, locked-down container.

The grading process (nbgrader, on the host) never shares a process, a network or a writable
folder that matters with the code it grades:

- ``SandboxKernelManager`` gives the kernel a fresh private folder of bounded size (a tmpfs
  of ``work_size``, mounted on the host), an IPC transport whose sockets live in that folder,
  and a ``SandboxProvisioner``;
- ``SandboxProvisioner`` starts the kernel with ``docker run`` from the grader image: no network,
  no capabilities, no-new-privileges, uid 1000, read-only root with a small tmpfs, memory, CPU
  and process limits, and only that folder mounted (a copy of the submission's own files, no
  notebook: never the graded notebook, the course folder, the master or the gradebook); it
  removes the container when done;
- ``SandboxExecute`` is graders/execute.py's SplitExecute with that kernel manager: learner
  cells in the sandbox, test cells in the grading process.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Float, Integer, Type, Unicode

from .execute import SplitExecute
from .folders import SANDBOX_UID, make_sandbox_folder, remove_sandbox_folder
from .warm import WARM, SandboxSpec, WarmSandbox, owner


def sandbox_run_args(*, name: str, folder: Path, workdir: Path, image: str, memory: str,
                     cpus: float, pids: int, tmp_size: str, job: str = "",
                     owner: str = "") -> list[str]:
    """The ``docker run`` options of a grading sandbox (pure). ``folder`` is the only thing of
    the host it sees (the kernel's sockets and its working copy)."""
    return [
        "docker", "run", "--rm", "-i", "--name", name,
        "--network", "none",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
        "--user", f"{SANDBOX_UID}:{SANDBOX_UID}",
        "--read-only", "--tmpfs", f"/tmp:rw,nosuid,nodev,size={tmp_size}",
        "--memory", memory, "--memory-swap", memory,
        "--cpus", str(cpus), "--pids-limit", str(pids),
        "--init", "--log-driver", "none", "--label", "decoder.role=grading-sandbox",
        "--label", f"decoder.job={job}", "--label", f"decoder.owner={owner}",
        "--label", f"decoder.folder={folder}",
        "--env", "HOME=/tmp", "--env", "MPLBACKEND=Agg",
        "--volume", f"{folder}:{folder}", "--workdir", str(workdir),
        image,
    ]


def kernel_command(connection_file: str, max_lifetime: int) -> list[str]:
    """The kernel, killed from inside at ``max_lifetime`` seconds whatever happens outside."""
    return ["timeout", "-s", "KILL", str(max_lifetime), "python", "-m", "ipykernel_launcher",
            "-f", connection_file, "--HistoryManager.hist_file=:memory:"]


def docker_client_env() -> dict[str, str]:
    """The docker client needs nothing of the grading process's environment."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **({"DOCKER_HOST": os.environ["DOCKER_HOST"]} if "DOCKER_HOST" in os.environ
               else {})}


def start_warm(spec: SandboxSpec, folder: Path, connection_file: str,
               name: str) -> subprocess.Popen:
    """Start a sandbox whose kernel waits for a job (see graders/warm.py)."""
    workdir = folder / "work"
    workdir.mkdir()
    _give_to_sandbox(folder)
    command = sandbox_run_args(
        name=name, folder=folder, workdir=workdir, image=spec.image, memory=spec.memory,
        cpus=spec.cpus, pids=spec.pids, tmp_size=spec.tmp_size, job="warm", owner=owner(),
    ) + kernel_command(connection_file, spec.max_lifetime)
    return subprocess.Popen(command, env=docker_client_env(), stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


class SandboxProvisioner(LocalProvisioner):
    """Launches the kernel command inside a grading container instead of as a local process."""

    container_name: str = ""

    async def launch_kernel(self, cmd, **kwargs):
        manager: SandboxKernelManager = self.parent
        folder = manager.sandbox_folder
        workdir = folder / "work"
        copy_regular_files(Path(kwargs.pop("cwd", None) or workdir), workdir,
                           max_bytes=manager.max_copy_bytes)
        _give_to_sandbox(folder)
        if manager.sandboxes_ahead:
            WARM.prepare(manager.spec(), start_warm, manager.sandboxes_ahead)  # next jobs
        warm = manager.warm
        if warm is not None:  # already running: the files just copied appear in its workdir
            self.container_name = warm.container
            self.process, self.pid = warm.process, warm.process.pid
            self.pgid = os.getpgid(warm.process.pid)
            self.cwd = str(workdir)
            _ACTIVE.setdefault(manager.job, set()).add(warm.container)
            return self.connection_info
        self.container_name = f"decoder-grade-{manager.kernel_id}"
        _ACTIVE.setdefault(manager.job, set()).add(self.container_name)
        docker_cmd = sandbox_run_args(
            name=self.container_name, folder=folder, workdir=workdir, image=manager.image,
            memory=manager.memory, cpus=manager.cpus, pids=manager.pids,
            tmp_size=manager.tmp_size, job=manager.job, owner=owner(),
        ) + kernel_command(manager.connection_file, manager.max_lifetime)
        kwargs["env"] = docker_client_env()
        kwargs["stdout"] = subprocess.DEVNULL
        kwargs["stderr"] = subprocess.DEVNULL
        return await super().launch_kernel(docker_cmd, **kwargs)

    async def send_signal(self, signum: int) -> None:
        if signum == signal.SIGINT and self.parent.shutting_down:
            return  # interrupting a kernel that is about to be removed only costs time
        await super().send_signal(signum)

    def _remove_container(self) -> None:
        if self.container_name:
            remove_in_background(self.container_name)
            _ACTIVE.get(self.parent.job, set()).discard(self.container_name)
            self.container_name = ""

    async def kill(self, restart: bool = False) -> None:
        """Remove the sandbox (in the background) and end its docker client at once: the
        kernel is throwaway, so there is nothing to shut down gracefully."""
        self._remove_container()
        await super().kill(restart)

    async def terminate(self, restart: bool = False) -> None:
        self._remove_container()
        await super().terminate(restart)

    async def cleanup(self, restart: bool = False) -> None:
        self._remove_container()
        await super().cleanup(restart)
        self.parent.remove_sandbox_folder()


def copy_regular_files(source: Path, target: Path, *, max_bytes: int) -> None:
    """Copy the submission's files for the kernel: regular files only (no links, no devices),
    no notebook (the one graded holds the hidden tests once nbgrader restored them; the
    kernel runs cells, it never needs to read a notebook), never the target itself, and no
    more than ``max_bytes``."""
    target.mkdir(parents=True, exist_ok=True)
    if source.resolve() == target.resolve():
        return
    total = 0
    for path in sorted(source.rglob("*")):
        if target in path.parents or path == target or ".ipynb_checkpoints" in path.parts:
            continue
        if path.is_symlink() or not path.is_file() or path.suffix == ".ipynb":
            continue
        total += path.stat().st_size
        if total > max_bytes:
            raise RuntimeError(f"the files next to the notebook exceed {max_bytes} bytes")
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def _give_to_sandbox(folder: Path) -> None:
    """The kernel runs as uid 1000: let it use its own folder (and nothing else)."""
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, SANDBOX_UID, SANDBOX_UID, follow_symlinks=False)
    else:
        os.chmod(folder, 0o777)


class SandboxKernelClient(AsyncKernelClient):
    """jupyter_client's client, without the 0.2 s of silence it waits for on IOPub once the
    kernel answers (a fifth of a small job): nbclient reads only the messages that answer
    its own requests, so a late status message from the start changes nothing."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # the same request's status on IOPub: IOPub is connected too
                    await self.iopub_channel.get_msg(timeout=1)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class SandboxKernelManager(AsyncKernelManager):
    client_class = DottedObjectName("graders.sandbox.SandboxKernelClient")
    client_factory = Type(SandboxKernelClient, klass=AsyncKernelClient)

    image = Unicode("decoder/grader:latest",
                    help="Image of the grading sandbox. Example: 'decoder/grader:latest'."
                    ).tag(config=True)
    memory = Unicode("1g", help="Memory of a sandbox, swap included. Example: '1g'."
                     ).tag(config=True)
    cpus = Float(1.0, help="CPUs of a sandbox. Example: 1.0.").tag(config=True)
    pids = Integer(256, help="Most processes in a sandbox. Example: 256.").tag(config=True)
    tmp_size = Unicode("64m", help="Size of the sandbox's /tmp. Example: '64m'."
                       ).tag(config=True)
    work_size = Unicode(
        "256m", help="Size of the sandbox's own folder (its working copy of the submission's "
        "files, and anything its code writes there): a tmpfs mounted on the host, so that a "
        "loop of writes cannot fill the host's disk (needs root). '' for no limit: only for "
        "trusted notebooks. Example: '256m'.").tag(config=True)
    max_copy_bytes = Integer(
        64 * 2**20, help="Most bytes of files copied next to the notebook into a sandbox (less "
        "than work_size). Example: 67108864.").tag(config=True)
    max_lifetime = Integer(
        600, help="Seconds after which a sandbox's kernel is killed from inside, whatever "
        "happens to the grading process (a last guard against a sandbox left running). "
        "Example: 600.").tag(config=True)
    sandboxes_ahead = Integer(
        0, help="Sandboxes kept started ahead for the next kernels (long-lived grading "
        "workers); a one-off grading keeps none. Example: 2.").tag(config=True)
    job = Unicode("", help="Label of the grading job, to find its sandboxes if the job is "
                  "stopped from outside. Example: 'a1b2c3'.").tag(config=True)

    sandbox_folder: Path
    warm: WarmSandbox | None = None

    def spec(self) -> SandboxSpec:
        return SandboxSpec(self.image, self.memory, self.cpus, self.pids, self.tmp_size,
                           self.max_lifetime, self.work_size)

    async def _async_pre_start_kernel(self, **kw):
        self.kernel_id = self.kernel_id or str(uuid.uuid4())
        self.warm = WARM.take(self.spec()) if self.sandboxes_ahead else None
        if self.warm is not None:  # its kernel already runs: talk to it as it expects
            self.sandbox_folder = self.warm.folder
            self.connection_file = self.warm.connection_file
            self.load_connection_file(self.warm.connection_file)
            # and never rewrite it: jupyter_client would delete it and write it back as root,
            # mode 0600, and a kernel still booting would then miss it, make its own sockets
            # and never answer (a job stalled 60 s, twice in about 460 jobs)
            self._connection_file_written = True
        else:
            self.sandbox_folder = make_sandbox_folder(self.work_size)
            self.transport = "ipc"
            self.ip = str(self.sandbox_folder / "kernel")
            self.connection_file = str(self.sandbox_folder / "kernel.json")
        if self.provisioner is None:
            self.provisioner = SandboxProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                parent=self,
            )
        return await super()._async_pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval: float = 0.02) -> None:
        # the docker client ends within milliseconds of its kill: look more often than 0.1 s
        await super()._async_wait(pollinterval)

    def remove_sandbox_folder(self) -> None:
        folder = getattr(self, "sandbox_folder", None)
        if folder:
            remove_sandbox_folder(folder)


class SandboxExecute(SplitExecute):
    """SplitExecute with the learner's kernel in a grading sandbox."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)


_ACTIVE: dict[str, set[str]] = {}  # job label -> its sandboxes started or taken warm, here
_REMOVING: list[subprocess.Popen] = []  # removals started and not yet seen finished


def remove_in_background(container: str) -> None:
    """Start removing a sandbox and return: the grading of a job does not wait for its
    sandbox to go (about 0.2 s of each job). Removals still running when the process ends
    are waited for (``wait_for_removals``); a process that dies leaves its sandboxes to the
    pool, which removes them by owner label."""
    _REMOVING[:] = [process for process in _REMOVING if process.poll() is None]
    _REMOVING.append(subprocess.Popen(["docker", "rm", "-f", container],
                                      env=docker_client_env(), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))


@atexit.register
def wait_for_removals(timeout: float = 60) -> None:
    """Block until every removal started here has finished."""
    for process in _REMOVING:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
    _REMOVING.clear()


def remove_job_sandboxes(job: str) -> None:
    """Remove every sandbox of a grading job (after a job timeout, the kernel may still run):
    those labelled with it, and a sandbox started ahead that this process gave to the job."""
    _remove_labelled(f"decoder.job={job}", also=sorted(_ACTIVE.get(job, set())))


def remove_sandboxes_started_by(owner_name: str) -> None:
    """Remove every sandbox a grading process started (a worker that died)."""
    _remove_labelled(f"decoder.owner={owner_name}")


def _remove_labelled(label: str, also: list[str] = ()) -> None:
    """Remove the sandboxes carrying ``label`` (and ``also``), then their folders."""
    found = subprocess.run(["docker", "ps", "-a", "--filter", f"label={label}", "--format",
                            '{{.ID}} {{.Label "decoder.folder"}}'], capture_output=True, text=True)
    rows = [line.split(" ", 1) for line in found.stdout.splitlines() if line.strip()]
    ids = [row[0] for row in rows] + list(also)
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)
    for row in rows:
        folder = Path(row[1]) if len(row) == 2 and row[1] else None
        if folder and folder.name.startswith("decoder-grade-"):
            remove_sandbox_folder(folder)
