from decoder.images import recipe_hash, wheel_platform_args
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
