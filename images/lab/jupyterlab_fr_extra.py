"""JupyterLab's French language pack, completed (run at image build).

The pack (jupyterlab-language-pack-fr-FR) lags JupyterLab: a few texts a learner meets are
missing from it and show in English (the read-only notice of a peer's copy above all). This adds
them to the pack's catalogue, never changing a translation the pack has.

Usage: python3 jupyterlab_fr_extra.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXTRA = {
    'Document is read-only. "Save" is disabled; use "Save as…" instead.':
        "Document en lecture seule : « Enregistrer » est désactivé ; utilisez « Enregistrer "
        "sous… » pour en garder une copie.",
    "The cell is read-only and cannot be split.":
        "La cellule est en lecture seule : elle ne peut pas être coupée en deux.",
}


def completed(catalogue: dict) -> dict:
    """The catalogue with our texts added where it lacks them (pure)."""
    result = dict(catalogue)
    for english, french in EXTRA.items():
        if english not in result:
            result[english] = [french]
    return result


def main() -> int:
    import jupyterlab_language_pack_fr_FR as pack

    path = Path(pack.__file__).parent / "locale" / "fr_FR" / "LC_MESSAGES" / "jupyterlab.json"
    catalogue = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps(completed(catalogue), ensure_ascii=False), "utf-8")
    print(f"jupyterlab_fr_extra: {len(EXTRA)} text(s) in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
