# Every kernel of a learner's JupyterLab (and of a review room): an error in a cell is explained
# in plain words above Python's own traceback (decoder_widgets/beginner_errors.py).
c = get_config()  # noqa: F821
c.InteractiveShellApp.extensions = ["decoder_widgets.beginner_errors"]
