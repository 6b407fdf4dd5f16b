"""Décoder le code's learning widgets for lessons and exercises, one import away:

    from decoder_widgets import quiz, pas_a_pas, predisez, remettre_en_ordre
    quiz('''
    id = "s1-print"
    question = "Que fait `print(2 + 3)` ?"
    ...
    ''')
    pas_a_pas('''
    total = 0
    for prix in [3, 5]:
        total = total + prix
    ''')

In the platform's language (DECODER_UI_LANGUAGE), offline (ipywidgets only: nothing is
fetched), usable with the keyboard. Errors in cells are explained by beginner_errors.py (an
IPython extension the lab's kernels load). See docs/authoring.md.
"""

from .hints import indices
from .parsons_widget import remettre_en_ordre
from .predict import predisez
from .self_check import quiz
from .stepper_widget import pas_a_pas
from .try_tests import essayer

__all__ = ["essayer", "indices", "pas_a_pas", "predisez", "quiz", "remettre_en_ordre"]
