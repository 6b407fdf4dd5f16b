# System-wide config of a learner's server (user config is ignored: JUPYTERHUB_DISABLE_USER_CONFIG).
c = get_config()  # noqa: F821

# Learner-side nbgrader only (assignment list, validate), loaded on first use by decoder_lab;
# no formgrader, no course list (instructor tools). Language server support is not used by
# beginners and costs memory at start.
c.ServerApp.jpserver_extensions = {
    "decoder_lab": True,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "jupyter_lsp": False,
    # Notebook 7's own interface (installed with nbgrader) and its shim: learners use JupyterLab
    "notebook": False,
    "notebook_shim": False,
}
# saves are written whole then renamed (never half-written), and a full home is said plainly
c.ServerApp.contents_manager_class = "decoder_home.HomeContentsManager"
# notebook trust signatures in memory, as Zero to JupyterHub advises for homes on shared disks:
# a SQLite file in a full home fails every save (« database is locked ») before the notebook is
# written, so the learner would never see why. Cost: outputs from an earlier session are shown
# as untrusted until the cell runs again.
c.NotebookNotary.db_file = ":memory:"
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.news_url = None

# Instructors (DECODER_STAFF=1, set by the spawner from the hub's 'instructors' group) find the
# course dashboard and the formgrader in the "Cours" menu too: the image's overrides plus
# staff-menu.json, written where this server reads its application settings.
import json  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402

if os.environ.get("DECODER_STAFF") == "1":
    _lab = Path("/opt/venv/share/jupyter/lab/settings/overrides.json")
    _overrides = json.loads(_lab.read_text(encoding="utf-8"))
    _menu = _overrides["@jupyterlab/mainmenu-extension:plugin"]["menus"][0]
    _menu["items"] += json.loads(Path("/opt/decoder/staff-menu.json").read_text(encoding="utf-8"))
    _settings = Path(os.environ.get("TMPDIR", "/tmp")) / "decoder-lab-settings"
    _settings.mkdir(exist_ok=True)
    (_settings / "overrides.json").write_text(json.dumps(_overrides), encoding="utf-8")
    c.LabApp.app_settings_dir = str(_settings)
