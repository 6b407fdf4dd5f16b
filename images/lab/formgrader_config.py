# The formgrader's server (decoder/hub/formgrader.py, a hub-managed service run from this image):
# nbgrader's formgrader and nothing else. No JupyterLab, no terminals, no kernels: it shows
# graded notebooks made inert by the course service and keeps the instructors' marks.
c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": True,
    "decoder_lab": False,
    "jupyterlab": False,
    "notebook": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "nbgrader.server_extensions.course_list": False,
}
c.ServerApp.terminals_enabled = False
# no kernel can be started through this server (none is named so)
c.KernelSpecManager.allowed_kernelspecs = {"aucun-noyau-ici"}
c.FormgradeExtension.debug = False

