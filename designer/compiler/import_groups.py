"""Named, nested groups for an imported model, read from its module hierarchy.

Every module that owns two or more of the design's nodes (torchvision's ``layer1.0``, a
BasicBlock) becomes a group whose id and name are the module's path and whose kind says what
the block is ("residual block"). A module that holds exactly the same nodes as the module
around it adds nothing and is skipped, so a 150-layer model reads as stages of blocks of
layers. Pure bookkeeping on paths; no torch here beyond the class objects passed in.
"""

from __future__ import annotations

from ..core.graph import Group

#: What a block class is, by class name; anything else is named by its class.
KINDS = {
    "BasicBlock": "residual block",
    "Bottleneck": "residual block",
    "Inception": "Inception module",
    "InceptionA": "Inception module",
    "InceptionB": "Inception module",
    "InceptionC": "Inception module",
    "InceptionD": "Inception module",
    "InceptionE": "Inception module",
    "InceptionAux": "auxiliary classifier",
    "_DenseLayer": "dense layer",
    "_DenseBlock": "dense block",
    "_Transition": "transition",
    "Fire": "Fire module",
    "InvertedResidual": "inverted residual",
    "Conv2dNormActivation": "conv-norm-act",
    "ConvNormActivation": "conv-norm-act",
    "BasicConv2d": "conv-norm-act",
    "SqueezeExcitation": "squeeze-excitation",
    "Sequential": "sequence",
    "ModuleList": "sequence",
    "ModuleDict": "sequence",
}


def kind_of(cls: type) -> str:
    return KINDS.get(cls.__name__, cls.__name__)


def ancestors(path: str) -> list[str]:
    """The module paths around ``path``, outermost first, ``path`` included ("" = the root)."""
    if not path:
        return []
    parts = path.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def build_groups(scopes: dict[str, str], classes: dict[str, type]) -> dict[str, Group]:
    """Groups for the nodes in ``scopes`` (node id -> owning module path, in node order)."""
    members: dict[str, list[str]] = {}
    for node_id, scope in scopes.items():
        for path in ancestors(scope):
            members.setdefault(path, []).append(node_id)
    first_seen = {path: i for i, path in enumerate(members)}
    kept: list[str] = []
    for path in sorted(members, key=lambda p: (p.count("."), first_seen[p])):
        if len(members[path]) < 2 or path in scopes:
            continue  # one node, or a path that is a node's own id (a functional norm's module)
        parent = _innermost(path, kept, strict=True)
        if parent is not None and members[parent] == members[path]:
            continue  # the same nodes as the block around it
        kept.append(path)
    groups: dict[str, Group] = {}
    for path in kept:
        kind = kind_of(classes[path]) if path in classes else "sequence"
        if kind == "sequence" and path.rsplit(".", 1)[-1] in ("downsample", "shortcut"):
            kind = "shortcut"
        groups[path] = Group(path, path, [], kind, kind != "sequence",
                             _innermost(path, kept, strict=True))
    for node_id, scope in scopes.items():
        owner = _innermost(scope, kept, strict=False)
        if owner is not None:
            groups[owner].nodes.append(node_id)
    return groups


def _innermost(path: str, kept: list[str], strict: bool) -> str | None:
    """The innermost kept group around ``path`` (``strict``: other than ``path`` itself)."""
    chain = ancestors(path)
    if strict:
        chain = chain[:-1]
    for candidate in reversed(chain):
        if candidate in kept:
            return candidate
    return None
