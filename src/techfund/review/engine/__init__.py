"""Expert-assignment engine: plain numpy/scipy/OR-Tools code, no Django.

- :func:`solve_optimal`: maximum total affinity under k per application, load caps, conflicts and one
  expert per organisation per application (min-cost flow with pruning and column generation; optional
  fairness);
- :func:`draw_random`: the compliant, seed-reproducible random draw (随机抽取);
- :func:`replacement`: one replacement expert for an application;
- :class:`TfidfAffinity`: affinity from texts (jieba + TF-IDF cosine), top-m experts per application.
"""

from .affinity import AffinityModel, TfidfAffinity, tokenize
from .draw import draw_random, replacement
from .instance import Instance, Result, check
from .solver import default_prune, solve_optimal

__all__ = [
    "AffinityModel",
    "Instance",
    "Result",
    "TfidfAffinity",
    "check",
    "default_prune",
    "draw_random",
    "replacement",
    "solve_optimal",
    "tokenize",
]
