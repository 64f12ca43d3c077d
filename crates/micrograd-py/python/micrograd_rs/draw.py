"""``draw_dot``: a Value's computation graph as a picture, in a notebook or in a file.

The SVG is laid out in-process by the engine: no Graphviz installation is needed. The drawing
answers graphviz's own calls too (``render``, ``view``, ``source``), so notebooks written for
graphviz's ``Digraph`` keep working.
"""

import os
import tempfile
import webbrowser

from micrograd_rs import _micrograd_rs


def _write(path, text):
    """Writes ``text`` to ``path`` whole or not at all: a temporary file beside it, then a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".micrograd-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Drawing:
    """A drawn graph. Jupyter shows it inline; ``save`` writes it to a file, ``render`` as graphviz."""

    def __init__(self, root, rankdir="LR", format="svg"):
        if rankdir != "LR":
            raise ValueError("draw_dot: only rankdir='LR' (left to right) is drawn")
        self.format = format
        self.svg = _micrograd_rs.svg(root)
        self.source = _micrograd_rs.dot(root)

    def _repr_svg_(self):
        return self.svg

    def pipe(self, format=None, encoding=None):
        """The picture itself, as graphviz's ``pipe``: SVG bytes (or text with an ``encoding``)."""
        self._check_format(format)
        return self.svg if encoding else self.svg.encode("utf-8")

    def save(self, filename):
        """Writes the picture to ``filename``: DOT text if it ends in ``.dot`` or ``.gv``, else SVG.

        Returns the file name, as graphviz's ``render`` does.
        """
        name = str(filename)
        _write(name, self.source if name.endswith((".dot", ".gv")) else self.svg)
        return name

    def _check_format(self, format):
        if (format or self.format) != "svg":
            raise ValueError(
                f"format={format!r}: micrograd_rs draws SVG only (format='svg'); "
                "Drawing.source holds the DOT text for Graphviz's own tools"
            )

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, outfile=None, **_):
        """As graphviz's ``Digraph.render``: writes the DOT source to ``filename`` (``Digraph.gv`` by
        default, in ``directory``) and the picture beside it as ``filename + '.svg'``; returns the
        picture's path. ``cleanup=True`` leaves the source out, ``view=True`` opens the picture, and
        ``outfile`` names the picture's path directly."""
        self._check_format(format)
        filename = str(filename) if filename is not None else "Digraph.gv"
        if directory is not None:
            os.makedirs(directory, exist_ok=True)
            filename = os.path.join(str(directory), filename)
        picture = str(outfile) if outfile is not None else filename + ".svg"
        if not cleanup:
            _write(filename, self.source)
        _write(picture, self.svg)
        if view:
            self._open(picture)
        return picture

    def view(self, filename=None, directory=None, cleanup=False):
        """As graphviz's ``view``: renders (to a temporary directory unless told where) and opens the
        picture in the web browser; returns its path."""
        if filename is None and directory is None:
            directory = tempfile.mkdtemp(prefix="micrograd-")
        return self.render(filename, directory, view=True, cleanup=cleanup)

    @staticmethod
    def _open(path):
        webbrowser.open("file://" + os.path.abspath(path))

    def __repr__(self):
        return f"<micrograd_rs.Drawing: {self.svg.count('<g')} shapes; save(), render() or show in Jupyter>"


def draw_dot(root, format="svg", rankdir="LR"):
    """The graph of everything ``root`` was computed from, left to right, one record per Value
    (``{ label | data | grad }``) and one node per operation, as the notebook's ``draw_dot``."""
    if format != "svg":
        raise ValueError("draw_dot: only format='svg' is drawn; Drawing.source holds DOT text")
    return Drawing(root, rankdir=rankdir, format=format)


__all__ = ["draw_dot", "Drawing"]
