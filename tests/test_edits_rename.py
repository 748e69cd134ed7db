"""RenameNode: a node takes another id with its edges and group, and undo restores the file."""

import pytest

from designer.core import edits, serialize
from designer.core.graph import Graph, GraphError, Group
from designer.zoo import find


def lenet() -> Graph:
    return serialize.load(find("lenet5"))


def test_rename_moves_edges_and_groups_and_undo_restores_the_file():
    g = lenet()
    g.set_groups({"features": Group("features", "Features", ["conv1", "relu1"])})
    before = serialize.dumps(g)
    edit = edits.RenameNode("conv1", "c1")
    edit.apply(g)
    assert "conv1" not in g.nodes and g.nodes["c1"].params == {"out_channels": 6, "kernel_size": 5}
    assert g.predecessors("c1") == ["input"] and g.successors("c1") == ["relu1"]
    assert list(g.nodes).index("c1") == 1
    assert g.groups["features"].nodes == ["c1", "relu1"]
    edit.revert(g)
    assert serialize.dumps(g) == before
    edit.apply(g)
    assert "c1" in g.nodes and edit.text == "Rename conv1 to c1"


@pytest.mark.parametrize("bad, reason", [
    ("", "must not be empty"),
    ("relu1", "already used"),
    (" x", "space"),
    ("a\tb", "control characters"),
])
def test_rename_refuses_a_bad_id_and_changes_nothing(bad, reason):
    g = lenet()
    before = serialize.dumps(g)
    with pytest.raises(GraphError, match=reason):
        edits.RenameNode("conv1", bad).apply(g)
    assert serialize.dumps(g) == before
