"""Learners' homes with a size limit the kernel enforces.

One btrfs filesystem holds every home (``PlatformSettings.homes_root``); each learner's home is
a subvolume of it with a quota group limit (``home_size_mb``), bound into the learner's
container at /home/jovyan. A learner who fills their home gets « Disk quota exceeded » on their
own writes only: other homes, the platform's data and the engine's disk are untouched.

Why btrfs: Docker 20.10's local volume driver has no size option, and the kernels we meet may
lack ext4's and XFS's quota support (CONFIG_QUOTA, XFS_QUOTA) while btrfs quota groups are part
of btrfs itself. When ``homes_root`` is not a btrfs mount already, the platform makes a sparse
file ``homes.img`` in the data folder (``homes_image_gb``), formats it and loop-mounts it there;
an operator can mount a real btrfs disk at ``homes_root`` instead.

Homes made before limits existed live in named volumes: a learner's first start with limits
copies that volume into the new home (the volume itself is kept, never deleted).

Pure helpers first (paths, mount table), then the commands (``btrfs``, ``mount``), run as root
by the hub and ``decoder up``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

HOME_UID = 1000  # jovyan, in images/lab/Dockerfile
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,250}")  # 251: room for ".new" in 255
IMAGE_NAME = "homes.img"


class HomesError(RuntimeError):
    """The homes' filesystem or a home could not be prepared; the text says what to do."""


# ---- pure ----

def home_path(root: str | Path, name: str) -> Path:
    """A learner's home under ``root``; ``name`` is DockerSpawner's escaped user name (letters,
    digits, ``-_.``). A name that begins with an escaped letter (``élodie`` is
    ``-c3-a9lodie``) gets a ``u`` first: a folder name must not look like a command's option.
    Anything else (``..``, a slash, an empty name) is refused."""
    folder = "u" + name if name.startswith("-") else name
    if len(name) > 250 or not SAFE_NAME.fullmatch(folder) or ".." in folder:
        raise HomesError(f"unsafe home name {name!r}")
    return Path(root) / folder


def mounted_fstype(mountinfo: str, folder: str | Path) -> str | None:
    """The filesystem type mounted exactly at ``folder``, from /proc/self/mountinfo's text
    (the last mount there wins); None when nothing is mounted there."""
    target = os.path.normpath(str(folder))
    found = None
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = fields[4].encode().decode("unicode_escape")  # \040 for a space
        if mount_point == target:
            found = line.split(" - ", 1)[1].split()[0]
    return found


def limit_text(size_mb: int) -> str:
    """btrfs's spelling of a limit in MiB."""
    if size_mb <= 0:
        raise HomesError("a home's size limit must be a positive number of MB")
    return f"{size_mb}M"


# ---- commands ----

def run(*command: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise HomesError(f"{command[0]} is not installed: run scripts/bootstrap.sh "
                         "(it installs Debian's btrfs-progs)") from None
    if done.returncode != 0:
        raise HomesError(f"{' '.join(command)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def fstype_at(folder: Path) -> str | None:
    return mounted_fstype(Path("/proc/self/mountinfo").read_text(), folder.resolve())


def ensure_filesystem(root: Path, image: Path, image_gb: int) -> None:
    """Make ``root`` a btrfs mount with quota groups on: as it is when it already is one, else
    from ``image`` (made sparse, ``image_gb`` GiB, when missing), loop-mounted. Idempotent."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # the engine (root) binds homes into containers; no one else reads
    fstype = fstype_at(root)
    if fstype is None:
        if image_gb <= 0:
            raise HomesError(f"{root} is not a btrfs mount and homes_image_gb is 0: mount a "
                             "btrfs filesystem there, or set homes_image_gb")
        if any(root.iterdir()):
            raise HomesError(f"{root} is not empty and not a mount: move its content away "
                             "(nothing is mounted over files)")
        if not image.exists():
            with open(image, "wb") as file:
                file.truncate(image_gb * 1024 ** 3)  # sparse: takes what the homes hold
            os.chmod(image, 0o600)
            run("mkfs.btrfs", "-q", "-L", "decoder-homes", str(image))
        run("mount", "-o", "loop,noatime", str(image), str(root))
        os.chmod(root, 0o700)
    elif fstype != "btrfs":
        raise HomesError(f"{root} is a {fstype} mount: learners' homes need btrfs (quota "
                         "groups); mount a btrfs filesystem there, or set home_size_mb = 0 "
                         "to run without a size limit")
    run("btrfs", "quota", "enable", str(root))


def release_filesystem(root: Path, image: Path) -> bool:
    """Unmount the platform's own loop-mounted homes (tests, removal of an instance); an
    operator's own mount is left alone. True when something was unmounted."""
    if not image.exists() or fstype_at(root) != "btrfs":
        return False
    run("umount", str(root))  # a loop mount made by mount(8) frees its device on unmount
    return True


def ensure_home(root: Path, name: str, size_mb: int, former: Path | None = None) -> Path:
    """The learner's home: a subvolume limited to ``size_mb``, owned by the lab's user; made
    on first use, with a copy of ``former`` (their named volume from before limits) when it
    holds anything. The limit is set again at every start, so a changed setting applies."""
    if fstype_at(root) != "btrfs":
        raise HomesError(f"{root} is not mounted: run `decoder up` (it mounts the homes)")
    path = home_path(root, name)
    if not path.exists():
        staging = path.with_name(path.name + ".new")  # never a learner's name: "." is escaped
        if staging.exists():
            run("btrfs", "subvolume", "delete", str(staging))  # a copy cut short
        run("btrfs", "subvolume", "create", str(staging))
        run("btrfs", "qgroup", "limit", limit_text(size_mb), str(staging))
        os.chown(staging, HOME_UID, HOME_UID)
        if former is not None and former.is_dir() and any(former.iterdir()):
            try:
                run("cp", "-a", "--", f"{former}/.", f"{staging}/")
            except HomesError as error:
                raise HomesError(f"copying {former} into the new home failed (nothing was "
                                 f"removed; is it larger than home_size_mb?): {error}") from None
        staging.rename(path)  # the home appears whole, or not at all
    else:
        run("btrfs", "qgroup", "limit", limit_text(size_mb), str(path))
    return path


def describe(root: Path, size_mb: int) -> str:
    """One line for `decoder status`."""
    if fstype_at(root) != "btrfs":
        return f"{root} NOT MOUNTED (decoder up mounts it; learners' servers cannot start)"
    count = sum(1 for path in root.iterdir() if path.is_dir() and SAFE_NAME.fullmatch(path.name)
                and not path.name.endswith(".new"))
    free = shutil.disk_usage(root).free // 1024 ** 2
    return f"btrfs at {root}, {count} home(s) of at most {size_mb} MB, {free} MB free"
