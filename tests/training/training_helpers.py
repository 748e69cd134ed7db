"""Tiny designs for the training tests (imported by conftest and the tests)."""

from designer.core.builder import DesignBuilder


def mlp(inputs=(2,), hidden=16, classes=2, name="toy MLP"):
    b = DesignBuilder(name)
    x = b.input(list(inputs))
    if len(inputs) > 1:
        x = b.flatten(x)
    x = b.linear(x, hidden, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, classes, id="fc2")
    b.output(x)
    return b.build()


def tiny_cnn(size=8, channels=1, classes=6, dropout=True):
    b = DesignBuilder("tiny CNN")
    x = b.input([channels, size, size])
    x = b.conv2d(x, 4, 3, padding=1, id="conv1")
    x = b.relu(x, id="relu1")
    x = b.maxpool2d(x, 2, id="pool1")
    x = b.flatten(x, id="flatten")
    if dropout:
        x = b.dropout(x, 0.2, id="drop")
    x = b.linear(x, classes, id="fc")
    b.output(x)
    return b.build()
