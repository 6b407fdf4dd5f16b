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
import stat
import tempfile
from pathlib import Path

SANDBOX_UID = 1000  # the grader image's user
MS_NOSUID, MS_NODEV, MS_NOEXEC, MNT_DETACH = 2, 4, 8, 2  # <sys/mount.h>
_libc = ctypes.CDLL(None, use_errno=True)


class SandboxFolderError(RuntimeError):
    pass


def private_parent(base: Path | None = None) -> Path:
    """The folder holding the sandboxes' folders: ours alone (mode 0700), so no other local
    user reaches a sandbox's files, even one whose uid is the sandbox's. A folder of that name
    owned by anyone else, or a link, is refused rather than used."""
    parent = (base or Path(tempfile.gettempdir())) / f"decoder-grading-{os.geteuid()}"
    try:
        parent.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = parent.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) \
            or info.st_uid != os.geteuid():
        raise SandboxFolderError(f"{parent} is not a folder of this user's: remove it")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(parent, 0o700)
    return parent


def make_sandbox_folder(work_size: str) -> Path:
    """A fresh folder for one sandbox, mounted as a tmpfs of ``work_size`` (``'256m'``). An
    empty ``work_size`` makes a plain folder, with no limit: for trusted notebooks only."""
    folder = Path(tempfile.mkdtemp(prefix="decoder-grade-", dir=private_parent()))
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
