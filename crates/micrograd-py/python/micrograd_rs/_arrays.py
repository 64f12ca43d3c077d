"""numpy arrays beside Values: ``Value`` tells numpy to leave operators to it (``__array_ufunc__ =
None``), so that a numpy scalar times a Value is as fast as a float's; an array and a Value then
come here, and give an object array of Values, one operator call per element, as numpy gives with
micrograd's Values."""

import numpy as np


def elementwise(value, method, array):
    """``getattr(value, method)(x)`` for each element ``x`` of ``array``, as an object array."""
    return np.frompyfunc(getattr(value, method), 1, 1)(array)
