"""Hypothesis strategies for random designs: valid ones (held to torch by test_compiler) and
random edits that break them (analysis must report, never crash).

Valid designs are built forward with the Keras-style DesignBuilder, tracking each tensor's
shape with torch's own sliding-window arithmetic written out here independently, so that
every drawn parameter set is one torch accepts: chains and branches of Conv2d (random
kernel, stride, padding incl. "same"/"valid", dilation, groups incl. "depthwise", padding
modes), pools (kernel, stride, padding, ceil_mode, dilation), adaptive pools, BatchNorm,
activations, Dropout, Add/Multiply/Concat merges of branches with matching shapes, and
Flatten + Linear heads. Tensors stay small (input at most 3×32×32).
"""

from __future__ import annotations

from hypothesis import strategies as st

from designer.core.builder import DesignBuilder
from designer.core.graph import Edge, Graph, GraphError, Node
from designer.layers import all_specs

#: Node ids that stress name sanitizing: dots, spaces, digits, keywords, nn.Module attributes.
AWKWARD_IDS = ["layer1.0.conv1", "layer1_0_conv1", "conv 1", "2nd", "class", "forward", "x", "input",
               "training", "self", "torch", "add", "cat", "relu", "graph", "code", "Ünïcode", "a-b", "__"]


def window_len(n: int, k: int, s: int, p: int, d: int = 1, ceil: bool = False) -> int:
    """torch's pooling/convolution output length (pooling_output_shape in ATen)."""
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    return out - 1 if (out - 1) * s >= n + p else out


class Net:
    """A design being drawn: the builder plus every node's per-sample shape."""

    def __init__(self, draw, name: str = "random") -> None:
        self.draw = draw
        self.b = DesignBuilder(name)
        self.shapes: dict[str, tuple] = {}

    def add(self, kind: str, inputs: list[str], out_shape: tuple, /, **params) -> str:
        nid = self.draw(st.sampled_from(AWKWARD_IDS)) if self.draw(st.integers(0, 9)) == 0 else None
        if nid in self.b.graph.nodes or nid in self.b.graph.groups:
            nid = None
        nid = self.b.add(kind, *inputs, id=nid, **params)
        self.shapes[nid] = tuple(out_shape)
        return nid


def _pair(draw, lo: int, hi: int) -> tuple[int, int]:
    a = draw(st.integers(lo, hi))
    return (a, a) if draw(st.booleans()) else (a, draw(st.integers(lo, hi)))


def _param(pair: tuple[int, int]):
    return pair[0] if pair[0] == pair[1] else list(pair)


# ---------------------------------------------------------------- layers on feature maps
def conv(net: Net, x: str, out_channels: int | None = None, keep_size: bool = False) -> str:
    draw = net.draw
    c, h, w = net.shapes[x]
    kernel = _pair(draw, 1, 5)
    dilation = _pair(draw, 1, 2) if draw(st.integers(0, 3)) == 0 else (1, 1)
    params: dict = {"kernel_size": _param(kernel)}
    if dilation != (1, 1):
        params["dilation"] = _param(dilation)
    pads = _conv_padding(net, params, kernel, dilation, (h, w), keep_size)
    out = _conv_out(params, kernel, dilation, (h, w), pads)
    if min(out) < 1:  # the drawn window does not fit: fall back to a 1×1 convolution
        params, pads, out = {"kernel_size": 1}, ((0, 0), (0, 0)), (h, w)
    groups = _groups(draw, c, out_channels)
    if groups != 1:
        params["groups"] = groups
    g = c if groups == "depthwise" else groups
    params["out_channels"] = out_channels or g * draw(st.integers(1, max(1, 16 // g)))
    if draw(st.integers(0, 4)) == 0:
        params["bias"] = False
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    biggest = [max(pads[a]) for a in range(2)]
    if mode == "reflect" and all(biggest[a] < (h, w)[a] for a in range(2)) or \
            mode == "circular" and all(biggest[a] <= (h, w)[a] for a in range(2)) or mode == "replicate":
        params["padding_mode"] = mode
    return net.add("Conv2d", [x], (params["out_channels"],) + out, **params)


def _conv_padding(net, params, kernel, dilation, size, keep_size):
    """Draw stride/padding; returns the (before, after) padding per axis."""
    draw = net.draw
    style = "same" if keep_size else draw(st.sampled_from(["int", "int", "pair", "same", "valid"]))
    if style == "same":
        params["padding"] = "same"
        totals = [dilation[a] * (kernel[a] - 1) for a in range(2)]
        return tuple((t // 2, t - t // 2) for t in totals)
    stride = _pair(draw, 1, 3)
    if stride != (1, 1):
        params["stride"] = _param(stride)
    if style == "valid":
        params["padding"] = "valid"
        return ((0, 0), (0, 0))
    pad = (draw(st.integers(0, 3)),) * 2 if style == "int" else _pair(draw, 0, 3)
    if pad != (0, 0):
        params["padding"] = _param(pad)
    return ((pad[0], pad[0]), (pad[1], pad[1]))


def _conv_out(params, kernel, dilation, size, pads) -> tuple[int, int]:
    if params.get("padding") == "same":
        return size
    stride = params.get("stride", 1)
    stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
    return tuple(window_len(size[a], kernel[a], stride[a], pads[a][0], dilation[a]) for a in range(2))


def _groups(draw, c: int, out_channels: int | None):
    options = [1] + [g for g in range(2, c + 1) if c % g == 0 and (out_channels is None or out_channels % g == 0)]
    if out_channels is None or out_channels % c == 0:
        options.append("depthwise")
    return draw(st.sampled_from(options)) if draw(st.integers(0, 2)) == 0 else 1


def pool(net: Net, x: str) -> str:
    draw = net.draw
    c, h, w = net.shapes[x]
    kind = draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
    kernel = _pair(draw, 1, 4)
    params: dict = {"kernel_size": _param(kernel)}
    stride = kernel
    if draw(st.booleans()):
        stride = _pair(draw, 1, 3)
        params["stride"] = _param(stride)
    pad = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    if pad != (0, 0):
        params["padding"] = _param(pad)
    dilation = (1, 1)
    if kind == "MaxPool2d" and draw(st.integers(0, 3)) == 0:
        dilation = _pair(draw, 1, 2)
        params["dilation"] = _param(dilation)
    ceil = draw(st.booleans())
    if ceil:
        params["ceil_mode"] = True
    if kind == "AvgPool2d" and draw(st.integers(0, 3)) == 0:
        params["count_include_pad"] = False
    out = tuple(window_len((h, w)[a], kernel[a], stride[a], pad[a], dilation[a], ceil) for a in range(2))
    if min(out) < 1:
        return x
    return net.add(kind, [x], (c,) + out, **params)


def adaptive_pool(net: Net, x: str) -> str:
    size = _pair(net.draw, 1, 4)
    kind = net.draw(st.sampled_from(["AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]))
    return net.add(kind, [x], net.shapes[x][:1] + size, output_size=_param(size))


def pointwise(net: Net, x: str) -> str:
    """A layer that keeps the shape: activation, normalisation, dropout, identity."""
    draw = net.draw
    shape = net.shapes[x]
    options = [("BatchNorm2d", {"affine": draw(st.booleans())}), ("Dropout2d", {"p": 0.2})] if len(
        shape) == 3 else [("BatchNorm1d", {"track_running_stats": draw(st.booleans())})]
    options += [
        ("ReLU", {}), ("ReLU6", {}), ("SiLU", {}), ("Sigmoid", {}), ("Tanh", {}), ("Identity", {}),
        ("LeakyReLU", {"negative_slope": draw(st.sampled_from([0.01, 0.2]))}),
        ("ELU", {"alpha": draw(st.sampled_from([0.5, 1.0]))}),
        ("GELU", {"approximate": draw(st.sampled_from(["none", "tanh"]))}),
        ("Softplus", {"beta": 2, "threshold": 10}),
        ("PReLU", {"per_channel": draw(st.booleans())}),
        ("Dropout", {"p": draw(st.sampled_from([0.0, 0.3]))}),
        ("Softmax", {"dim": draw(st.integers(1, len(shape)))}),
        ("LogSoftmax", {"dim": -1}),
    ]
    if len(shape) >= 2:
        options += [("LocalResponseNorm", {"size": draw(st.integers(1, 4))})]
    kind, params = draw(st.sampled_from(options))
    return net.add(kind, [x], shape, **params)


def merge(net: Net, x: str) -> str:
    """Two or three branches from x that keep H×W, joined by Add, Multiply or Concat."""
    draw = net.draw
    kind = draw(st.sampled_from(["Add", "Multiply", "Concat"]))
    channels = None if kind == "Concat" else draw(st.sampled_from([net.shapes[x][0], 4, 8]))
    ends = []
    for _ in range(draw(st.integers(2, 3))):
        y = x
        steps = draw(st.integers(0 if channels in (None, net.shapes[x][0]) else 1, 2))
        for i in range(steps):
            if i == 0 and channels not in (None, net.shapes[x][0]) or draw(st.booleans()):
                y = conv(net, y, channels, keep_size=True)
            else:
                y = pointwise(net, y) if draw(st.booleans()) else _keep_size_pool(net, y)
        ends.append(y)
    shapes = [net.shapes[e] for e in ends]
    shape = (sum(s[0] for s in shapes),) + shapes[0][1:] if kind == "Concat" else shapes[0]
    return net.add(kind, ends, shape)


def _keep_size_pool(net: Net, x: str) -> str:
    kind = net.draw(st.sampled_from(["MaxPool2d", "AvgPool2d"]))
    return net.add(kind, [x], net.shapes[x], kernel_size=3, stride=1, padding=1)


# ---------------------------------------------------------------- heads and vectors
def dense_stack(net: Net, x: str) -> str:
    draw = net.draw
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            features = draw(st.integers(1, 12))
            params = {"out_features": features} | ({"bias": False} if draw(st.integers(0, 4)) == 0 else {})
            x = net.add("Linear", [x], net.shapes[x][:-1] + (features,), **params)
        else:
            x = pointwise(net, x)
    return x


def head(net: Net, x: str) -> str:
    draw = net.draw
    style = draw(st.sampled_from(["flatten", "flatten", "gap", "map", "partial", "linear-on-map"]))
    c, h, w = net.shapes[x]
    if style == "flatten":
        x = net.add("Flatten", [x], (c * h * w,))
    elif style == "gap":
        x = net.add("AdaptiveAvgPool2d", [x], (c, 1, 1))
        x = net.add("Flatten", [x], (c,))
    elif style == "partial":
        x = net.add("Flatten", [x], (c, h * w), start_dim=2)
    elif style == "linear-on-map":
        x = net.add("Linear", [x], (c, h, 3), out_features=3)
    if style == "map":
        return x
    return dense_stack(net, x)


def modern(net: Net, x: str) -> str:
    """ConvNeXt / EfficientNet / transformer pieces on a C×H×W map, back to a C×H×W map."""
    draw = net.draw
    c, h, w = net.shapes[x]
    kind = draw(st.sampled_from(["channels_last", "gate", "scale", "depth", "groups", "swap",
                                 "reshape", "pad_slice"]))
    if kind == "channels_last":  # ConvNeXt: permute, LayerNorm, Linear over channels, permute back
        y = net.add("Permute", [x], (h, w, c), dims=[0, 2, 3, 1])
        y = net.add("LayerNorm", [y], (h, w, c), eps=1e-6)
        y = net.add("Linear", [y], (h, w, c), out_features=c)
        return net.add("Permute", [y], (c, h, w), dims=[0, 3, 1, 2])
    if kind == "gate":  # squeeze-and-excitation with a mean over the map and broadcasting
        g = net.add("Mean", [x], (c, 1, 1), dims=[2, 3], keepdim=True)
        g = net.add("Sigmoid", [g], (c, 1, 1))
        return net.add(draw(st.sampled_from(["Multiply", "Add"])), [x, g], (c, h, w))
    if kind == "scale":
        return net.add("LayerScale", [x], (c, h, w), shape=[c, 1, 1])
    if kind == "depth":
        return net.add("StochasticDepth", [x], (c, h, w), p=draw(st.sampled_from([0.0, 0.2])))
    if kind == "groups":
        return net.add("GroupNorm", [x], (c, h, w), num_groups=draw(st.sampled_from([1, c])))
    if kind == "swap":
        y = net.add("Transpose", [x], (c, w, h), dim0=2, dim1=3)
        return net.add("Transpose", [y], (c, h, w), dim0=-1, dim1=-2)
    if kind == "reshape":
        y = net.add("Reshape", [x], (c, h * w), shape=[c, -1])
        return net.add("Reshape", [y], (c, h, w), shape=[c, h, w])
    y = net.add("Pad", [x], (c, h + 2, w + 2), pad=[1, 1, 1, 1])
    return net.add("Slice", [y], (c, h + 1, w + 2), dim=2, start=1)


def feature_block(net: Net, x: str) -> str:
    draw = net.draw
    block = draw(st.sampled_from(["conv", "conv", "pool", "pointwise", "merge", "adaptive", "modern"]))
    if block == "modern":
        return modern(net, x)
    if block == "conv":
        return conv(net, x)
    if block == "pool":
        return pool(net, x)
    if block == "merge":
        return merge(net, x)
    if block == "adaptive":
        return adaptive_pool(net, x)
    return pointwise(net, x)


@st.composite
def valid_designs(draw, max_blocks: int = 6) -> Graph:
    """A random design that analysis should accept and torch can run."""
    net = Net(draw)
    if draw(st.integers(0, 9)) == 0:
        x = net.b.input([draw(st.integers(1, 32))])
        net.shapes[x] = tuple(net.b.graph.nodes[x].params["shape"])
        x = dense_stack(net, x)
    else:
        shape = (draw(st.integers(1, 3)), draw(st.integers(1, 32)), draw(st.integers(1, 32)))
        x = net.b.input(list(shape))
        net.shapes[x] = shape
        for _ in range(draw(st.integers(1, max_blocks))):
            x = feature_block(net, x)
        x = head(net, x)
    if draw(st.integers(0, 9)) == 0:  # a dangling branch: a warning, left out of the model
        src = draw(st.sampled_from(sorted(net.shapes)))
        net.add("ReLU", [src], net.shapes[src])
    loss = "cross_entropy" if len(net.shapes[x]) == 1 and draw(st.booleans()) else draw(
        st.sampled_from(["none", "mse"]))
    net.b.output(x, loss=loss)
    return net.b.build(layout=False)


# ---------------------------------------------------------------- random damage
SPECS = {s.type: s for s in all_specs()}
LAYER_TYPES = sorted(SPECS)

junk_values = st.one_of(
    st.integers(-3, 40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["same", "valid", "depthwise", "zeros", "reflect", "circular", "tanh", "none", "", "3"]),
    st.lists(st.integers(-1, 12), max_size=4),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2),
)


def _edit_add_edge(draw, g: Graph) -> None:
    ids = sorted(g.nodes)
    edge = Edge(draw(st.sampled_from(ids)), draw(st.sampled_from(ids)), draw(st.integers(0, 2)))
    try:
        g.add_edge(edge)
    except GraphError:
        pass


def _edit_remove_edge(draw, g: Graph) -> None:
    if g.edges:
        g.remove_edge(draw(st.sampled_from(list(g.edges))))


def plausible(param) -> st.SearchStrategy:
    """Values of the right kind, often out of range for the shapes at hand."""
    small = st.integers(0, 6)
    return {
        "int": small, "int_or_none": st.none() | small, "float": st.floats(-0.5, 1.5),
        "bool": st.booleans(), "choice": st.sampled_from(param.choices or ("none",)),
        "pair": small | st.lists(small, min_size=2, max_size=2),
        "optional_pair": st.none() | small | st.lists(small, min_size=2, max_size=2),
        "padding": st.sampled_from(["same", "valid"]) | small,
        "groups": st.sampled_from(["depthwise", 1, 2, 3, 4]),
        "shape": st.lists(st.integers(1, 9), min_size=1, max_size=3),
        "dims": st.lists(st.integers(-4, 6), max_size=5),
        "count": st.integers(0, 10**9),
        "text": st.just(""),  # an opaque module call naming no module: an issue, not a crash
        "mapping": st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2),
    }[param.kind]


def _edit_params(draw, g: Graph) -> None:
    node = g.nodes[draw(st.sampled_from(sorted(g.nodes)))]
    params = dict(node.params)
    spec = SPECS.get(node.type)
    if spec is None or not spec.params or draw(st.integers(0, 3)) == 0:
        key = draw(st.sampled_from([p.name for p in (spec.params if spec else ())] + ["bogus"]))
        params[key] = draw(junk_values)
    else:
        param = draw(st.sampled_from(spec.params))
        params[param.name] = draw(plausible(param))
    g.set_params(node.id, params)


def _edit_type(draw, g: Graph) -> None:
    """Most often a type with the same number of inputs, so that shapes rather than wiring break."""
    nid = draw(st.sampled_from(sorted(g.nodes)))
    spec = SPECS.get(g.nodes[nid].type)
    alike = [t for t, s in SPECS.items() if spec is not None and s.inputs == spec.inputs]
    pool = alike if alike and draw(st.integers(0, 3)) else LAYER_TYPES + ["Conv3d", "conv2d"]
    kind = draw(st.sampled_from(pool))
    replace_node(g, nid, kind, {} if draw(st.booleans()) else dict(g.nodes[nid].params))


def _edit_remove_node(draw, g: Graph) -> None:
    nid = draw(st.sampled_from(sorted(g.nodes)))
    for edge in g.edges_touching([nid]):
        g.remove_edge(edge)
    g.remove_node(nid)


def _edit_add_node(draw, g: Graph) -> None:
    kind = draw(st.sampled_from(LAYER_TYPES))
    nid = g.unique_id("extra")
    g.add_node(Node(nid, kind, {}))
    if draw(st.booleans()):
        _safe_edge(g, Edge(draw(st.sampled_from(sorted(g.nodes))), nid, 0))
    if draw(st.booleans()):
        _safe_edge(g, Edge(nid, draw(st.sampled_from(sorted(g.nodes))), draw(st.integers(0, 2))))


def _safe_edge(g: Graph, edge: Edge) -> None:
    try:
        g.add_edge(edge)
    except GraphError:
        pass


def replace_node(g: Graph, nid: str, kind: str, params: dict) -> None:
    """Swap a node's type in place, keeping its id and edges (ports included)."""
    edges = g.edges_touching([nid])
    for edge in edges:
        g.remove_edge(edge)
    position = g.nodes[nid].position
    g.remove_node(nid)
    g.add_node(Node(nid, kind, params, position))
    for edge in edges:
        g.add_edge(edge)


#: Parameter and type changes (which break shapes) come up more often than rewiring.
EDITS = [_edit_params] * 4 + [_edit_type] * 2 + [_edit_add_edge, _edit_remove_edge, _edit_remove_node,
                                                  _edit_add_node]


@st.composite
def damaged_designs(draw, max_edits: int = 4) -> Graph:
    """A valid design after 1..max_edits random edits: edges, parameters, types, nodes."""
    g = draw(valid_designs(max_blocks=4))
    for _ in range(draw(st.integers(1, max_edits))):
        if not g.nodes:
            break
        draw(st.sampled_from(EDITS))(draw, g)
    return g
