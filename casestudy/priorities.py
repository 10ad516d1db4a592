"""The portfolio of shared priorities (lesson 1): leadership capacity limits delivery.

The chance that a chosen scheme delivers its effect is its own delivery probability, cut
when the partners take on more than their leadership capacity:

    delivery = probability x min(1, capacity / load) ** OVERLOAD_ELASTICITY

where ``load`` is the summed leadership load of the chosen schemes. An elasticity above 1
means that past capacity, each extra priority lowers what the whole portfolio delivers
(an assumption, explained in data/README.md).

>>> import numpy as np
>>> delivery_share(np.array([1.0, 1.0]), np.array([2.0, 2.0]), np.array([0.8, 0.5]), 4.0)
array([0.8, 0.5])
>>> delivery_share(np.array([1.0, 1.0]), np.array([4.0, 4.0]), np.array([0.8, 0.5]), 4.0).round(3)
array([0.283, 0.177])
"""

from __future__ import annotations

import numpy as np

# Assumption (data/README.md, "Leadership capacity"): 1.5 makes a portfolio at twice its
# capacity deliver 0.5 ** 1.5 = 35% of each scheme's chance, so spreading thin loses overall.
OVERLOAD_ELASTICITY = 1.5


def delivery_share(chosen: np.ndarray, load: np.ndarray, probability: np.ndarray,
                   capacity: float) -> np.ndarray:
    """Expected share of each scheme's effect delivered; ``chosen`` is [s] or [d, s] of 0/1."""
    total = (chosen * load).sum(axis=-1, keepdims=True)
    strain = np.minimum(1.0, capacity / np.where(total > 0, total, 1.0)) ** OVERLOAD_ELASTICITY
    return probability * np.where(total > 0, strain, 1.0)
