"""``draw_dot``: a Value's computation graph as a picture, in a notebook or in a file.

The SVG is laid out in-process by the engine: no Graphviz installation is needed.
"""

from micrograd_rs import _micrograd_rs


class Drawing:
    """A drawn graph. Jupyter shows it inline; ``save`` writes it to a file."""

    def __init__(self, root, rankdir="LR"):
        if rankdir != "LR":
            raise ValueError("draw_dot: only rankdir='LR' (left to right) is drawn")
        self.svg = _micrograd_rs.svg(root)
        self.source = _micrograd_rs.dot(root)

    def _repr_svg_(self):
        return self.svg

    def save(self, filename):
        """Writes the picture to ``filename``: DOT text if it ends in ``.dot`` or ``.gv``, else SVG.

        Returns the file name, as graphviz's ``render`` does.
        """
        name = str(filename)
        text = self.source if name.endswith((".dot", ".gv")) else self.svg
        with open(name, "w", encoding="utf-8") as f:
            f.write(text)
        return name

    def __repr__(self):
        return f"<micrograd_rs.Drawing: {self.svg.count('<g')} shapes; save() or show in Jupyter>"


def draw_dot(root, format="svg", rankdir="LR"):
    """The graph of everything ``root`` was computed from, left to right, one record per Value
    (``{ label | data | grad }``) and one node per operation, as the notebook's ``draw_dot``."""
    if format != "svg":
        raise ValueError("draw_dot: only format='svg' is drawn; Drawing.source holds DOT text")
    return Drawing(root, rankdir=rankdir)


__all__ = ["draw_dot", "Drawing"]
