"""Build the platform's images, with no registry and no network inside builds.

Three cached steps, each keyed by the hash of its recipe (a second build with nothing changed
does nothing):
1. base: ``debootstrap --variant=minbase bookworm`` + ``docker import`` (skipped when a registry
   base image is given in DECODER_BASE_IMAGE);
2. wheelhouse: ``pip wheel`` on the host for Python 3.11, as in the image;
3. images: ``docker build`` of images/<name>/Dockerfile, tagged ``decoder/<name>:<hash>`` and
   ``:latest``; older ``<hash>`` tags are then removed (not while a container uses them).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from ..settings import PROJECT_ROOT

DEBIAN_MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"
IMAGES = ("lab", "grader")
# What else each image copies from the project (its folder in images/ always counts).
IMAGE_INPUTS = {
    "lab": ("course/lessons", "graders/__init__.py", "graders/checks.py",
            "decoder/__init__.py", "decoder/protocol.py", "decoder/messages"),
    "grader": ("graders/__init__.py", "graders/checks.py", "graders/plaindata.py",
               "graders/kernel_side.py", "decoder/__init__.py", "decoder/protocol.py",
               "decoder/messages",
               "images/lab/decoder_widgets", "images/lab/decoder_atomic.py"),
}
IMAGE_PYTHON = "3.11.2"  # Debian bookworm's python3
Log = Callable[[str], None]


def recipe_hash(files: Iterable[Path], extra: str = "") -> str:
    """Hash of file names and contents (pure over the files): the cache key of a build step."""
    digest = hashlib.sha256(extra.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def tree(*folders: Path) -> list[Path]:
    return [
        p for folder in folders for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    ]


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def run(cmd: list[str], log: Log, **kwargs) -> None:
    """Run a long step, streaming its output as progress."""
    log("$ " + " ".join(cmd))
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs
    )
    assert process.stdout is not None
    tail: list[str] = []
    for line in process.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-30:]
        if line.startswith(("Step ", "Successfully", "Building wheel", "I: Base system")):
            log("  " + line)
    if process.wait() != 0:
        raise RuntimeError(f"{cmd[0]} failed:\n" + "\n".join(tail))


def build_base(build_dir: Path, log: Log) -> str:
    """The local Debian base image, built once per package list."""
    packages_file = PROJECT_ROOT / "images" / "base" / "packages.txt"
    packages = [
        line.strip() for line in packages_file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tag = f"decoder/base:{recipe_hash([packages_file], SUITE)}"
    if image_exists(tag):
        log(f"base image {tag}: up to date")
        return tag
    if not shutil.which("debootstrap"):
        raise RuntimeError("debootstrap is missing: apt-get install debootstrap (make up does it)")
    rootfs = build_dir / "rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    log(f"base image {tag}: debootstrap {SUITE} (about a minute)")
    run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}",
         SUITE, str(rootfs), DEBIAN_MIRROR],
        log,
    )
    shutil.rmtree(rootfs / "var" / "cache" / "apt" / "archives", ignore_errors=True)
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-", tag], stdin=tar.stdout, check=True,
                   capture_output=True)
    if tar.wait() != 0:
        raise RuntimeError("tar of the base rootfs failed")
    shutil.rmtree(rootfs, ignore_errors=True)
    return tag


def wheel_platform_args(python_version: str, machine: str) -> list[str]:
    """pip options selecting wheels for the image's Python and CPU, not the host's (pure)."""
    return [
        "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
        "--abi", "cp" + "".join(python_version.split(".")[:2]),
        "--platform", f"manylinux_2_36_{machine}", "--platform", f"manylinux2014_{machine}",
        "--platform", f"linux_{machine}",
    ]


def build_wheelhouse(requirements: list[Path], wheelhouse: Path, log: Log) -> None:
    """Wheels for every requirement, for the image's Python (Debian bookworm's 3.11.2, the oldest
    the images may have), cached by requirement hash."""
    key = recipe_hash(requirements, IMAGE_PYTHON)
    stamp = wheelhouse / f".done-{key}"
    if stamp.exists():
        log("wheelhouse: up to date")
        return
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    args = [arg for req in requirements for arg in ("-r", str(req))]
    log("wheelhouse: downloading wheels for the images")
    run([sys.executable, "-m", "pip", "download", "--quiet", "--progress-bar", "off",
         "-d", str(wheelhouse), *wheel_platform_args(IMAGE_PYTHON, platform.machine()), *args],
        log)
    stamp.touch()


def build_image(name: str, base: str, log: Log) -> str:
    folder = PROJECT_ROOT / "images" / name
    inputs = [PROJECT_ROOT / p for p in IMAGE_INPUTS[name]]
    files = tree(folder, *(p for p in inputs if p.is_dir())) + [p for p in inputs if p.is_file()]
    key = recipe_hash(files, base)
    tag = f"decoder/{name}:{key}"
    if image_exists(tag):
        log(f"image {tag}: up to date")
    else:
        log(f"image {tag}: building")
        run(["docker", "build", "--build-arg", f"BASE_IMAGE={base}", "-t", tag,
             "-f", str(folder / "Dockerfile"), str(PROJECT_ROOT)], log,
            env={**os.environ, "DOCKER_BUILDKIT": "0"})
    subprocess.run(["docker", "tag", tag, f"decoder/{name}:latest"], check=True)
    return tag


def remove_older_tags(current: str, log: Log) -> None:
    """Untag every other version of ``current``'s repository (``decoder/lab:<hash>``...), so
    that each build does not leave a gigabyte behind. ``latest`` stays; Docker refuses to
    delete an image a container still uses, and keeps it until that container goes."""
    repository, keep = current.rsplit(":", 1)
    listed = subprocess.run(["docker", "images", repository, "--format", "{{.Tag}}"],
                            capture_output=True, text=True, check=True)
    for old in sorted(set(listed.stdout.split()) - {keep, "latest", "<none>"}):
        removed = subprocess.run(["docker", "rmi", f"{repository}:{old}"],
                                 capture_output=True, text=True)
        log(f"older image {repository}:{old}: " + ("removed" if removed.returncode == 0
                                                   else "kept (in use)"))


def build_all(log: Log = print) -> dict[str, str]:
    """Build every image the platform needs; return their tags. Older versions are removed."""
    build_dir = PROJECT_ROOT / "build"
    registry_base = os.environ.get("DECODER_BASE_IMAGE")
    base = registry_base or build_base(build_dir, log)
    requirements = [PROJECT_ROOT / "images" / name / "requirements.txt" for name in IMAGES]
    build_wheelhouse(requirements, build_dir / "wheelhouse", log)
    tags = {name: build_image(name, base, log) for name in IMAGES}
    for tag in [*tags.values(), *([] if registry_base else [base])]:
        remove_older_tags(tag, log)
    return tags
