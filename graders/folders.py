"""A grading sandbox's own folder on the host: a tmpfs of bounded size.

The folder holds the kernel's connection file and IPC sockets and its working copy of the
submission's files; it is the only thing of the host a sandbox sees. As a tmpfs of
``work_size``, owned by the sandbox's user, whatever the code graded writes there is bounded and
charged to the sandbox's own memory: a loop of writes cannot fill the host's disk.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from pathlib import Path

SANDBOX_UID = 1000  # the grader image's user
MS_NOSUID, MS_NODEV, MS_NOEXEC, MNT_DETACH = 2, 4, 8, 2  # <sys/mount.h>
_libc = ctypes.CDLL(None, use_errno=True)


class SandboxFolderError(RuntimeError):
    pass


def make_sandbox_folder(work_size: str) -> Path:
    """A fresh folder for one sandbox, mounted as a tmpfs of ``work_size`` (``'256m'``). An
    empty ``work_size`` makes a plain folder, with no limit: for trusted notebooks only."""
    folder = Path(tempfile.mkdtemp(prefix="decoder-grade-"))
    if work_size:
        options = f"size={work_size},mode=0700,uid={SANDBOX_UID},gid={SANDBOX_UID}"
        if _libc.mount(b"tmpfs", str(folder).encode(), b"tmpfs",
                       MS_NOSUID | MS_NODEV | MS_NOEXEC, options.encode()) != 0:
            error = os.strerror(ctypes.get_errno())
            folder.rmdir()
            raise SandboxFolderError(
                f"cannot give a grading sandbox a folder of {work_size} (mount tmpfs: {error}): "
                "run the grading workers as root, or set SandboxKernelManager.work_size = '' "
                "to grade trusted notebooks only, with no size limit")
    return folder


def remove_sandbox_folder(folder: Path) -> None:
    """Unmount (when it is a mount) and remove a sandbox's folder."""
    _libc.umount2(str(folder).encode(), MNT_DETACH)  # fails harmlessly on a plain folder
    shutil.rmtree(folder, ignore_errors=True)
