from pathlib import Path

from decoder.ops.images import recipe_hash, wheel_platform_args
from decoder.settings import PROJECT_ROOT


def test_recipe_hash_changes_with_content_and_is_stable(tmp_path):
    folder = PROJECT_ROOT / "build" / "test-recipe"
    folder.mkdir(parents=True, exist_ok=True)
    recipe = folder / "Dockerfile"
    recipe.write_text("FROM a\n")
    first = recipe_hash([recipe])
    assert recipe_hash([recipe]) == first
    recipe.write_text("FROM b\n")
    assert recipe_hash([recipe]) != first
    assert recipe_hash([recipe], "other base") != recipe_hash([recipe])


def test_wheels_are_chosen_for_the_image_python_not_the_host():
    args = wheel_platform_args("3.11.2", "x86_64")
    assert args[args.index("--python-version") + 1] == "3.11.2"
    assert args[args.index("--abi") + 1] == "cp311"
    assert "--only-binary=:all:" in args


def lab_script(name: str):
    """A build script of the lab image (images/lab/), imported from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "images" / "lab" /
                                                  f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_jupyterlabs_french_pack_is_completed_never_changed():
    extra = lab_script("jupyterlab_fr_extra")
    pack = {"Document is read-only": ["Le document est en lecture seule"]}
    done = extra.completed(pack)
    assert done["Document is read-only"] == ["Le document est en lecture seule"]
    assert done['Document is read-only. "Save" is disabled; use "Save as…" instead.'][0] \
        .startswith("Document en lecture seule")


def test_nbgraders_validate_button_and_dialogs_are_french():
    """On the bundle nbgrader installs (the same version as the lab image's)."""
    translate = lab_script("nbgrader_fr").translate
    import nbgrader

    static = Path(nbgrader.__file__).resolve().parents[4] / "share" / "jupyter" / \
        "labextensions" / "@jupyter" / "nbgrader" / "static"
    bundle = next(p for p in static.glob("*.js") if "Released assignments" in p.read_text())
    french = translate(bundle.read_text())
    assert '"Validate"' not in french and '"Validation failed"' not in french
    assert 'innerText="Vérifier"' in french


def test_arrow_keys_in_a_widget_stay_with_the_widget():
    """JupyterLab's command mode moves between cells with the arrow keys wherever the focus is
    in the notebook, so a radio group of a question could not be answered by keyboard: the lab
    image disables those bindings and adds them back outside widgets. The ones disabled must be
    the ones JupyterLab has (same command, key and selector), or nothing is disabled."""
    import json

    import jupyterlab

    overrides = json.loads((PROJECT_ROOT / "images" / "lab" / "overrides.json").read_text())
    ours = overrides["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"]
    requirements = (PROJECT_ROOT / "images" / "lab" / "requirements.txt").read_text()
    assert f"jupyterlab=={jupyterlab.__version__}" in requirements  # the same schemas as here
    schema = Path(jupyterlab.__file__).parent.parent.parent.parent.parent / "share" / \
        "jupyter" / "lab" / "schemas" / "@jupyterlab" / "notebook-extension" / "tracker.json"
    defaults = {(s["command"], tuple(s["keys"]), s["selector"])
                for s in json.loads(schema.read_text())["jupyter.lab.shortcuts"]}
    disabled = [s for s in ours if s.get("disabled")]
    assert {s["keys"][0] for s in disabled} == {"ArrowDown", "ArrowUp", "ArrowLeft",
                                                "ArrowRight"}
    for shortcut in disabled:
        assert (shortcut["command"], tuple(shortcut["keys"]), shortcut["selector"]) in defaults
        again = [s for s in ours if not s.get("disabled")
                 and s["command"] == shortcut["command"] and s["keys"] == shortcut["keys"]]
        assert again and again[0]["selector"] == shortcut["selector"] + \
            ":not(.jupyter-widgets *)"
