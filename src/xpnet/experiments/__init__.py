"""The book's chapter-6/7/8 studies as functions that return plain host data (never plot).

Each study takes explicit settings (the book's by default) and returns a JSON-serialisable
dict holding ``study``, ``backend``, ``data`` (which data was used), ``seed``, ``settings``,
``seconds`` and its own keys, listed in its docstring. [`xpnet.plotting`][xpnet.plotting] draws them;
the ``xpnet`` command ([`xpnet.cli`][xpnet.cli]) runs them by name through `STUDIES`.
"""

from ._common import DATA_CHOICES, HEADER_KEYS
from .half_float import half_float
from .optimizers import optimizer_compare, optimizer_paths
from .registry import STUDIES, Study
from .regularization import activation_init_bn_grid, batch_norm, overfit_dropout, overfit_weight_decay
from .search import hyperparameter_search
from .train import train
from .weight_init import weight_init_activations, weight_init_compare

__all__ = [
    "DATA_CHOICES", "HEADER_KEYS", "STUDIES", "Study", "activation_init_bn_grid", "batch_norm",
    "half_float", "hyperparameter_search", "optimizer_compare", "optimizer_paths", "overfit_dropout",
    "overfit_weight_decay", "train", "weight_init_activations", "weight_init_compare",
]
