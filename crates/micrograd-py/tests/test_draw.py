"""Pictures: micrograd_rs.draw_dot in notebooks and files, and the notebook's own draw_dot."""

import pytest

from micrograd_rs import draw_dot
from micrograd_rs.engine import Value


def seed_expression():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return L


def test_draw_dot_shows_inline_in_jupyter_and_saves(tmp_path):
    L = seed_expression()
    L.backward()
    drawing = draw_dot(L)
    svg = drawing._repr_svg_()
    assert "<svg" in svg and "</svg>" in svg
    assert "data -8.0000" in svg and "grad 6.0000" in svg
    saved = drawing.save(tmp_path / "L.svg")
    assert (tmp_path / "L.svg").read_text(encoding="utf-8") == svg
    assert saved == str(tmp_path / "L.svg")
    drawing.save(tmp_path / "L.dot")
    assert (tmp_path / "L.dot").read_text(encoding="utf-8").startswith("digraph")


def test_draw_dot_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="format"):
        draw_dot(Value(1.0), format="png")
    with pytest.raises(TypeError):
        draw_dot(3.0)


class FakeDigraph:
    """Records what the notebook's draw_dot asks of graphviz.Digraph."""

    def __init__(self, format=None, graph_attr=None):
        self.nodes, self.edges = {}, []

    def node(self, name, label, shape=None):
        self.nodes[name] = label

    def edge(self, tail, head):
        self.edges.append((tail, head))


def notebook_draw_dot(root, Digraph):
    # The seed notebook's trace and draw_dot, unchanged but for Digraph being passed in.
    def trace(root):
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

        build(root)
        return nodes, edges

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f}" % (n.label, n.data, n.grad), shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_the_notebooks_own_draw_dot_works_unchanged():
    L = seed_expression()
    L.backward()
    dot = notebook_draw_dot(L, FakeDigraph)
    records = sorted(label for label in dot.nodes.values() if label.startswith("{"))
    assert records == sorted(
        [
            "{ a | data 2.0000 | grad 6.0000}",
            "{ b | data -3.0000 | grad -4.0000}",
            "{ c | data 10.0000 | grad -2.0000}",
            "{ e | data -6.0000 | grad -2.0000}",
            "{ d | data 4.0000 | grad -2.0000}",
            "{ f | data -2.0000 | grad 4.0000}",
            "{ L | data -8.0000 | grad 1.0000}",
        ]
    )
    assert sorted(label for label in dot.nodes.values() if not label.startswith("{")) == ["*", "*", "+"]
    # Every edge joins nodes that were drawn: the ids are stable while the drawing is made.
    assert len(dot.edges) == 3 + 6
    assert all(tail in dot.nodes and head in dot.nodes for tail, head in dot.edges)


def test_the_notebooks_draw_dot_with_graphviz():
    graphviz = pytest.importorskip("graphviz")
    x = Value(0.5, label="x")
    o = (x * 2 + 1).tanh()
    o.label = "o"
    o.backward()
    source = notebook_draw_dot(o, graphviz.Digraph).source
    assert "tanh" in source and "{ x | data 0.5000" in source


def test_render_writes_the_source_and_the_picture_as_graphviz_does(tmp_path, monkeypatch):
    L = seed_expression()
    drawing = draw_dot(L)
    path = drawing.render(tmp_path / "graph", format="svg")
    assert path == str(tmp_path / "graph") + ".svg"
    assert (tmp_path / "graph.svg").read_text(encoding="utf-8") == drawing.svg
    assert (tmp_path / "graph").read_text(encoding="utf-8") == drawing.source
    assert drawing.render("g", directory=tmp_path / "out", cleanup=True) == str(tmp_path / "out" / "g.svg")
    assert not (tmp_path / "out" / "g").exists()
    with pytest.raises(ValueError, match="SVG only"):
        drawing.render(tmp_path / "graph", format="png")
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    shown = drawing.view(directory=tmp_path / "view")
    assert opened == ["file://" + shown] and shown.endswith(".svg")
    assert drawing.pipe().startswith(b"<svg") or b"<svg" in drawing.pipe()


def test_a_python_defined_operation_is_drawn_with_its_name():
    x = Value(0.5, label="x")
    out = Value(2.0, (x,), "double")
    out._backward = lambda: None
    svg = draw_dot(out).svg
    assert "double" in svg and "data 0.5000" in svg


def test_a_chain_of_a_thousand_operations_is_drawn_and_rendered(tmp_path):
    x = Value(1.0, label="x")
    y = x
    for _ in range(500):
        y = y * 1.0 + 0.5  # 1,000 operations
    y.backward()
    drawing = draw_dot(y)
    assert drawing.svg.count("data ") >= 1000
    assert "data 251.0000" in drawing.svg  # the last value, 1 + 500 * 0.5
    path = drawing.render(tmp_path / "chain")
    assert (tmp_path / "chain.svg").stat().st_size == len(drawing.svg.encode("utf-8"))
    assert path.endswith("chain.svg")
