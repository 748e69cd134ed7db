"""A Keras-functional-style API for writing designs in code.

    b = DesignBuilder("LeNet-5")
    x = b.input([1, 32, 32])
    x = b.conv2d(x, 6, 5, id="conv1")
    x = b.relu(x)
    ...
    b.output(x)
    graph = b.build()

Each call adds one node and returns its id, which the next call takes as its input. Blocks
opened with ``with b.group("layer1.0", kind="residual block"):`` become collapsible groups.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from .graph import Edge, Graph, Group, Node
from .layout import apply_layout, layered_layout

#: Short id stems per layer type ("conv3", "pool2", "fc1").
ID_STEMS = {
    "Conv2d": "conv", "MaxPool2d": "pool", "AvgPool2d": "avgpool", "AdaptiveAvgPool2d": "gap",
    "AdaptiveMaxPool2d": "gmp", "Linear": "fc", "BatchNorm2d": "bn", "BatchNorm1d": "bn",
    "Dropout": "drop", "Dropout2d": "drop", "LocalResponseNorm": "lrn", "Concat": "cat",
    "LogSoftmax": "logsoftmax",
}


class DesignBuilder:
    def __init__(self, name: str, description: str = "") -> None:
        self.graph = Graph(name, description)
        self._counters: dict[str, int] = {}
        self._group_stack: list[Group] = []

    # -------------------------------------------------------------- generic
    def add(self, layer_type: str, *inputs: str, id: str | None = None, **params: Any) -> str:
        """Add a layer fed by ``inputs`` (in port order); returns its id."""
        node_id = id or self._next_id(layer_type)
        self.graph.add_node(Node(node_id, layer_type, {k: _plain(v) for k, v in params.items()}))
        for port, src in enumerate(inputs):
            self.graph.add_edge(Edge(src, node_id, port))
        if self._group_stack:
            self._group_stack[-1].nodes.append(node_id)
        return node_id

    def _next_id(self, layer_type: str) -> str:
        stem = ID_STEMS.get(layer_type, layer_type.lower())
        while True:
            self._counters[stem] = self._counters.get(stem, 0) + 1
            candidate = f"{stem}{self._counters[stem]}"
            if candidate not in self.graph.nodes and candidate not in self.graph.groups:
                return candidate

    @contextmanager
    def group(self, name: str, kind: str = "", id: str | None = None, collapsed: bool = True) -> Iterator[Group]:
        """Nodes added inside the block belong to a new group (nested blocks nest groups)."""
        gid = id or name
        if gid in self.graph.groups or gid in self.graph.nodes:
            raise ValueError(f"group id {gid!r} is already used")
        parent = self._group_stack[-1].id if self._group_stack else None
        group = Group(gid, name, [], kind, collapsed, parent)
        self.graph.groups[gid] = group
        self._group_stack.append(group)
        try:
            yield group
        finally:
            self._group_stack.pop()

    def build(self, layout: bool = True) -> Graph:
        if layout:
            apply_layout(self.graph, layered_layout(self.graph))
        return self.graph

    # -------------------------------------------------------------- endpoints
    def input(self, shape: list[int], id: str = "input") -> str:
        return self.add("Input", id=id, shape=list(shape))

    def output(self, x: str, id: str = "output", loss: str = "cross_entropy") -> str:
        params = {} if loss == "cross_entropy" else {"loss": loss}
        return self.add("Output", x, id=id, **params)

    # -------------------------------------------------------------- common layers
    def conv2d(self, x: str, out_channels: int, kernel_size, stride=1, padding=0, id=None, **kw) -> str:
        params = {"out_channels": out_channels, "kernel_size": kernel_size}
        if stride != 1:
            params["stride"] = stride
        if padding != 0:
            params["padding"] = padding
        return self.add("Conv2d", x, id=id, **params, **kw)

    def maxpool2d(self, x: str, kernel_size=2, stride=None, padding=0, id=None, **kw) -> str:
        params: dict[str, Any] = {"kernel_size": kernel_size}
        if stride is not None:
            params["stride"] = stride
        if padding:
            params["padding"] = padding
        return self.add("MaxPool2d", x, id=id, **params, **kw)

    def avgpool2d(self, x: str, kernel_size=2, stride=None, padding=0, id=None, **kw) -> str:
        params: dict[str, Any] = {"kernel_size": kernel_size}
        if stride is not None:
            params["stride"] = stride
        if padding:
            params["padding"] = padding
        return self.add("AvgPool2d", x, id=id, **params, **kw)

    def linear(self, x: str, out_features: int, id=None, **kw) -> str:
        return self.add("Linear", x, id=id, out_features=out_features, **kw)

    def relu(self, x: str, id=None) -> str:
        return self.add("ReLU", x, id=id)

    def relu6(self, x: str, id=None) -> str:
        return self.add("ReLU6", x, id=id)

    def activation(self, x: str, layer_type: str, id=None, **kw) -> str:
        """Any element-wise activation by type name ("ReLU", "ReLU6", "GELU", ...)."""
        return self.add(layer_type, x, id=id, **kw)

    def adaptive_avgpool2d(self, x: str, output_size=1, id=None) -> str:
        """Average pooling to a fixed output size (1 = global average pooling)."""
        params = {} if output_size == 1 else {"output_size": output_size}
        return self.add("AdaptiveAvgPool2d", x, id=id, **params)

    def local_response_norm(self, x: str, size: int = 5, id=None, **kw) -> str:
        return self.add("LocalResponseNorm", x, id=id, size=size, **kw)

    def flatten(self, x: str, id=None) -> str:
        return self.add("Flatten", x, id=id)

    def batchnorm2d(self, x: str, id=None, **kw) -> str:
        return self.add("BatchNorm2d", x, id=id, **kw)

    def dropout(self, x: str, p: float = 0.5, id=None) -> str:
        return self.add("Dropout", x, id=id, **({} if p == 0.5 else {"p": p}))

    def concat(self, *xs: str, id=None) -> str:
        return self.add("Concat", *xs, id=id)

    def add_(self, *xs: str, id=None) -> str:
        """Element-wise Add of the inputs (named add_ because add() adds any layer)."""
        return self.add("Add", *xs, id=id)

    # -------------------------------------------------------------- composite blocks
    def conv_bn(
        self,
        x: str,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        *,
        prefix: str,
        act: str | None = "ReLU",
        eps: float = 1e-5,
        names: tuple[str, str, str] = ("conv", "bn", "relu"),
        **conv_kw,
    ) -> str:
        """Conv2d (no bias) → BatchNorm2d → activation, with ids "<prefix>.conv" etc.

        The building block of ResNets, Inception's BasicConv2d and MobileNets; ``act=None``
        leaves the activation out (a linear bottleneck), ``names`` renames the three ids.
        """
        x = self.conv2d(x, out_channels, kernel_size, stride, padding,
                        id=f"{prefix}.{names[0]}", bias=False, **conv_kw)
        x = self.batchnorm2d(x, id=f"{prefix}.{names[1]}", **({} if eps == 1e-5 else {"eps": eps}))
        return x if act is None else self.activation(x, act, id=f"{prefix}.{names[2]}")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
