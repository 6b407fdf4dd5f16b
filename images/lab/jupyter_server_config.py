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
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.news_url = None
