"""Décoder le code's learning widgets for lessons and exercises, one import away:

    from decoder_widgets import quiz
    quiz('''
    id = "s1-print"
    question = "Que fait `print(2 + 3)` ?"
    ...
    ''')

In the platform's language (DECODER_UI_LANGUAGE), offline (ipywidgets only: nothing is
fetched), usable with the keyboard. See docs/authoring.md.
"""

from .self_check import quiz

__all__ = ["quiz"]
