"""How a learner's JupyterLab saves files: whole or not at all, and a full home said plainly.

A learner's home has a size limit (decoder/hub/homes.py). jupyter_server's own "atomic" writing
copies the saved file aside, then rewrites the file in place; it syncs and closes the file
outside its error handling, and Python writes a small notebook at that close, so a save that
hits the limit left the notebook truncated and its last good version in a hidden copy. Here a
save writes a temporary file beside the target, syncs it, then renames it over the target: the
notebook on disk is the old one or the new one, never a mix. A save refused for lack of space
answers 507 with the platform's message (the limit, what to do), which JupyterLab shows.

A Python notebook is handed to JupyterLab with this image's kernel's ``language_info``
(written at the image's build): JupyterLab writes the kernel's into the notebook when the
kernel starts, and a notebook whose own differs (the course's carry only ``{"name":
"python"}``) showed « modified » the moment it opened, a reviewer's read-only copy too.

Set as ServerApp.contents_manager_class by images/lab/jupyter_server_config.py.
"""

from __future__ import annotations

import errno
import json
import os
from contextlib import contextmanager

from decoder_atomic import replaced
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web

from decoder import messages, protocol

FULL = (errno.EDQUOT, errno.ENOSPC)
LANGUAGE_INFO = "/opt/decoder/language_info.json"


def kernel_language_info(path: str = LANGUAGE_INFO) -> dict | None:
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return None


def as_the_kernel_finds_it(notebook: dict, language_info: dict | None) -> None:
    """Give a Python notebook the kernel's ``language_info`` (nothing else changes)."""
    if not language_info or not isinstance(notebook, dict):
        return
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return
    kernel = metadata.get("kernelspec") or {}
    language = (metadata.get("language_info") or {}).get("name") or kernel.get("language")
    if language == language_info.get("name"):
        metadata["language_info"] = dict(language_info)


def home_full(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is a write refused for lack of space."""
    while error is not None:
        if isinstance(error, OSError) and error.errno in FULL:
            return True
        error = error.__cause__ or error.__context__
    return False


def new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class HomeContentsManager(AsyncLargeFileManager):
    """jupyter_server's file manager with a write-then-rename save and a clear « home full »,
    notebooks opened with the kernel's language_info."""

    _language_info = kernel_language_info()

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if model.get("type") == "notebook" and model.get("content") is not None:
            as_the_kernel_finds_it(model["content"], self._language_info)
        return model

    @contextmanager
    def atomic_writing(self, os_path, text=True, encoding="utf-8", **kwargs):
        with self.perm_to_403(os_path):
            if os.path.islink(os_path):  # write where the link points, as jupyter_server does
                os_path = os.path.join(os.path.dirname(os_path), os.readlink(os_path))
            mode = os.stat(os_path).st_mode & 0o7777 if os.path.exists(os_path) \
                else new_file_mode()
            with replaced(os_path, text=text, encoding=encoding, mode=mode, **kwargs) as file:
                yield file

    async def save(self, model, path=""):
        try:
            return await super().save(model, path)
        except Exception as error:
            if not home_full(error):
                raise
            language = messages.language_of_environment()
            limit = os.environ.get(protocol.HOME_LIMIT_ENV, "?")
            text = messages.say("lab.home_full", language, limit=limit, path=path.strip("/"))
            self.log.warning("Save of %s refused: the home is full (%s)", path, error)
            raise web.HTTPError(507, text.replace("%", "%%")) from None
