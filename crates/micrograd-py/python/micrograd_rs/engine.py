"""micrograd's ``engine`` module: ``Value``, a scalar with its gradient.

``Value(data, _children=(), _op='', label='')`` supports ``+ - * / **`` with Values and numbers
(ints, floats, numpy scalars) on either side, unary ``-``, ``relu()``, ``tanh()``, ``exp()``,
``log()``, ``sigmoid()``, ``sin()``, ``cos()``, ``sqrt()``, ``abs()`` and ``backward()``;
``data``, ``grad`` and ``label`` can be read and written, ``_prev`` and ``_op`` read.

New operations are written as the notebook writes them::

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), 'tanh')
        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

``backward()`` calls ``out._backward()`` at the node's turn, once ``out.grad`` is complete, mixed
freely with the engine's own operations; an exception raised in it comes out of ``backward()``.
``v._backward()`` runs one node's step for any node (the notebook's manual backpropagation).
``Value`` can be subclassed (operations on instances give ``Value``, as micrograd's do), pickled
and copied, and numpy object arrays of Values work as with micrograd.

Differences from micrograd, all deliberate:

- ``data`` and ``grad`` are always floats (micrograd keeps ints it is given: ``Value(1)``).
- ``v ** w`` with a Value exponent is allowed and gives the exponent a gradient (``_op`` ``'**'``);
  micrograd refuses it. ``2 ** v`` works too.
- Division by zero gives ``inf`` or ``nan`` as IEEE floats do, not ``ZeroDivisionError``.
- A Value made with ``_children`` that are not all Values is drawn with them but is a leaf to
  ``backward()``. Only such Values (``Value(data, children, op)``) take a ``_backward`` of your own;
  the engine's operations keep theirs.
- A pickled or copied Value comes back as an input (a leaf) with its data, grad and label: the
  graph it was computed from is not copied.
- ``v * np.array([...])`` is an object array of Values, as ``np.array([...]) * v`` is (micrograd
  wraps the whole array in one Value there).
- A Value belongs to the thread that made it; using it in another thread is a ``RuntimeError``.
"""

from micrograd_rs._micrograd_rs import Value

__all__ = ["Value"]
