"""What a learner writes (a review's comments), shown as HTML that can do nothing (pure).

Markdown is allowed: emphasis, lists, code, quotes, links. It is rendered with raw HTML turned
off (any tag a learner types is shown as text), then passed through a strict allowlist (nh3,
the Rust `ammonia` sanitiser): no script, no event handler, no style, no form, no iframe, no
image, no id or name (no DOM clobbering), and links only to http(s) addresses, which open apart
(``rel="noopener noreferrer nofollow"``). Text that is not Markdown is simply escaped elsewhere.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = {"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "a", "hr",
        "h3", "h4", "h5", "h6", "del", "s"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https"}
MAX_CHARS = 10_000

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")


def markdown_html(text: str) -> str:
    """``text`` (Markdown) as safe HTML."""
    rendered = _markdown.render(text[:MAX_CHARS])
    return nh3.clean(rendered, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True)
