"""The page every one of our HTML pages is (pure): one small stylesheet (readable type, the
course's colours, visible focus, contrast of at least 4.5:1, checked by axe-core in the browser
tests) and, on the course service's pages, a header that leads back to « Mon cours », to peer
review, to one's JupyterLab and to the hub's home: no page is a dead end.

The stylesheet is inline: the pages' Content-Security-Policy loads nothing, and a feedback page
is also a file saved in the learner's JupyterLab, read without the service.
"""

from __future__ import annotations

from html import escape

from .messages import say

SERVICE = "/services/course"
STYLE = """
:root { --ink: #1f2933; --muted: #52606d; --accent: #1d4f91; --ok: #e6f6e6; --ko: #fdecea;
        --line: #c7ccd1; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       font-size: 1.0625rem; line-height: 1.55; color: var(--ink); margin: 0; }
main { margin: 1.5em auto; max-width: 60em; padding: 0 1.2em; }
h1 { font-size: 1.6em; line-height: 1.25; } h2 { font-size: 1.3em; }
a { color: var(--accent); text-underline-offset: .15em; }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
select:focus-visible, summary:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
button { font: inherit; padding: .45em 1em; border-radius: .35em; border: 1px solid var(--accent);
         background: var(--accent); color: #fff; cursor: pointer; margin: .5em 0; }
button:hover { background: #163d70; }
input, textarea, select { font: inherit; }
header.site { background: var(--accent); color: #fff; }
header.site nav { max-width: 60em; margin: 0 auto; padding: .6em 1.2em; display: flex;
                  flex-wrap: wrap; gap: .4em 1.4em; align-items: baseline; }
header.site a { color: #fff; font-weight: 600; text-decoration: none; }
header.site a:hover, header.site a:focus-visible { text-decoration: underline; }
header.site .brand { margin-right: auto; font-weight: 700; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid var(--line); padding: .4em; vertical-align: top; text-align: left; }
tr.ok td { background: var(--ok); } tr.ko td { background: var(--ko); }
pre { white-space: pre-wrap; margin: 0; } .score { font-size: 1.3em; }
.late { border-left: 4px solid #8a4500; padding-left: .6em; }
.note, small { color: var(--muted); } .error { color: #a61b1b; } .flag { color: #a61b1b; }
.confirm { border-left: 4px solid #2f7a32; padding-left: .6em; }
"""


def header(language: str) -> str:
    """Where a person can always go from our pages (the service's own routes: the last two
    send the browser on to the hub, whose address only the service knows)."""
    def t(key: str) -> str:
        return escape(say(f"page.{key}", language))

    return (f"<header class='site'><nav aria-label='{t('nav')}'>"
            f"<span class='brand'>{t('brand')}</span>"
            f"<a id='nav-course' href='{SERVICE}/course'>{t('course')}</a>"
            f"<a id='nav-peer' href='{SERVICE}/peer/'>{t('peer')}</a>"
            f"<a id='nav-lab' href='{SERVICE}/lab'>{t('lab')}</a>"
            f"<a id='nav-home' href='{SERVICE}/home'>{t('home')}</a></nav></header>")


def page(language: str, title: str, body: str, *, extra_style: str = "",
         navigation: bool = True) -> str:
    """A whole page: ``navigation`` False for a page read away from the service (feedback
    saved in JupyterLab)."""
    return f"""<!DOCTYPE html>
<html lang="{'en' if language == 'en' else 'fr'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{STYLE}{extra_style}</style></head><body>
{header(language) if navigation else ""}<main>
{body}
</main></body></html>
"""
