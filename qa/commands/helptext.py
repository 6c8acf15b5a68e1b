"""Help text that keeps its examples as written: prose paragraphs are wrapped here, so a
parser can use `argparse.RawDescriptionHelpFormatter` (which keeps example lines intact)
without printing each paragraph as one long line."""

from __future__ import annotations

import textwrap

WIDTH = 79


def paragraphs(*texts: str) -> str:
    """The texts wrapped to the terminal's usual width, separated by blank lines."""
    return "\n\n".join(textwrap.fill(" ".join(text.split()), WIDTH, break_on_hyphens=False) for text in texts)
