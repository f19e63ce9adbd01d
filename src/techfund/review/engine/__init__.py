"""Expert-assignment engine: plain numpy/scipy/OR-Tools code, no Django.

- :func:`solve_optimal`: maximum total affinity under k per application, load caps, conflicts and one
  expert per organisation per application (exact min-cost flow; the auction algorithm with a proven
  bound, polished to the certified optimum by min-cost flow, for large rounds; optional fairness);
- :func:`draw_random`: the compliant, seed-reproducible random draw (随机抽取);
- :func:`replacement`: one replacement expert for an application;
- :class:`TfidfAffinity`: affinity from texts (jieba + TF-IDF cosine), top-m experts per application.
"""

from .affinity import AffinityModel, TfidfAffinity, tokenize
from .auction import Auction
from .draw import draw_random, replacement
from .instance import Instance, Result, check
from .solver import MESSAGES, solve_optimal

__all__ = [
    "MESSAGES",
    "AffinityModel",
    "Auction",
    "Instance",
    "Result",
    "TfidfAffinity",
    "check",
    "draw_random",
    "replacement",
    "solve_optimal",
    "tokenize",
]
