"""Score distributions as SVG, drawn server-side with matplotlib (no script, no CDN: the
pages' Content-Security-Policy forbids both). One figure per exercise, built on a Figure of its
own (never pyplot's global state: the service draws from several threads)."""

from __future__ import annotations

import functools
import io
import re

from matplotlib.figure import Figure

SVG_START = re.compile(r"^.*?(<svg)", re.S)  # drop the XML prolog and DOCTYPE: inline SVG


def histogram(scores: list[float], max_points: float, *, title: str, xlabel: str,
              ylabel: str) -> str:
    """How many learners have each score (0 … max_points), as an inline ``<svg>``; drawn once
    per distinct set of scores (a drawing takes tens of milliseconds)."""
    return _drawn(tuple(sorted(scores)), max_points, title, xlabel, ylabel)


@functools.lru_cache(maxsize=256)
def _drawn(scores: tuple[float, ...], max_points: float, title: str, xlabel: str,
           ylabel: str) -> str:
    figure = Figure(figsize=(3.6, 2.2), dpi=100)
    axes = figure.add_subplot()
    bins = [x - 0.5 for x in range(int(max_points) + 2)]
    axes.hist(scores, bins=bins, color="#3b6ea5", edgecolor="white")
    axes.set_xticks(range(int(max_points) + 1))
    axes.set_title(title, fontsize=9)
    axes.set_xlabel(xlabel, fontsize=8)
    axes.set_ylabel(ylabel, fontsize=8)
    axes.tick_params(labelsize=7)
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.subplots_adjust(left=0.17, right=0.97, bottom=0.22, top=0.88)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return SVG_START.sub(r"\1", buffer.getvalue(), count=1)
