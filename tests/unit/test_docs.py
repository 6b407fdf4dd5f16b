from decoder.ops.reference import render
from decoder.settings import PROJECT_ROOT


def test_settings_reference_is_current():
    written = (PROJECT_ROOT / "docs" / "reference.md").read_text()
    assert written == render(), "run: python -m decoder.ops.reference > docs/reference.md"
