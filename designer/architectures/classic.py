"""Small classic networks: LeNet-5, the 8×8 digits MLP and CNN, and CNN Explainer's Tiny-VGG."""

from __future__ import annotations

from ..core.builder import DesignBuilder
from ..core.graph import Graph


def lenet5(classes: int = 10) -> Graph:
    b = DesignBuilder(
        "LeNet-5",
        "LeCun et al., 'Gradient-based learning applied to document recognition' (1998), with "
        "ReLU and max pooling as taught today. Input 1×32×32 (resize 28×28 digits to 32×32). "
        "It has 61,706 parameters rather than the paper's ~60,000 because C3 here connects "
        "every one of the 16 filters to all 6 input maps (2,416 weights) instead of the paper's "
        "sparse connection table (1,516), and F6→output is an ordinary Linear layer instead of "
        "RBF units.",
    )
    x = b.input([1, 32, 32])
    x = b.conv2d(x, 6, 5, id="conv1")
    x = b.relu(x, id="relu1")
    x = b.maxpool2d(x, 2, id="pool1")
    x = b.conv2d(x, 16, 5, id="conv2")
    x = b.relu(x, id="relu2")
    x = b.maxpool2d(x, 2, id="pool2")
    x = b.flatten(x, id="flatten")
    x = b.linear(x, 120, id="fc1")
    x = b.relu(x, id="relu3")
    x = b.linear(x, 84, id="fc2")
    x = b.relu(x, id="relu4")
    x = b.linear(x, classes, id="fc3")
    b.output(x)
    return b.build()


def digits_mlp(classes: int = 10) -> Graph:
    b = DesignBuilder(
        "Digits MLP",
        "A multilayer perceptron for scikit-learn's 8×8 handwritten digits (1,797 images, "
        "10 classes, from the UCI optical digits set). Input 1×8×8, flattened to 64 features, "
        "then two hidden ReLU layers of 64 and 32 units: 6,570 parameters. The baseline to "
        "compare the digits CNN with: it sees pixels, not neighbourhoods, and reaches about "
        "96% test accuracy (20 epochs of Adam, 80/20 split).",
    )
    x = b.input([1, 8, 8])
    x = b.flatten(x, id="flatten")
    x = b.linear(x, 64, id="fc1")
    x = b.relu(x, id="relu1")
    x = b.linear(x, 32, id="fc2")
    x = b.relu(x, id="relu2")
    x = b.linear(x, classes, id="fc3")
    b.output(x)
    return b.build()


def digits_cnn(classes: int = 10) -> Graph:
    b = DesignBuilder(
        "Digits CNN",
        "A small CNN for scikit-learn's 8×8 handwritten digits (input 1×8×8, 10 classes). Two "
        "3×3 'same' convolutions (16 and 32 filters) see 5×5 pixel neighbourhoods before one "
        "2×2 max pool halves the map to 4×4; a hidden layer of 64 units with dropout classifies "
        "the 512 features: 38,282 parameters. It reaches about 98% test accuracy after 20 epochs "
        "of Adam (80/20 split), a few seconds on one CPU core.",
    )
    x = b.input([1, 8, 8])
    x = b.conv2d(x, 16, 3, padding=1, id="conv1")
    x = b.relu(x, id="relu1")
    x = b.conv2d(x, 32, 3, padding=1, id="conv2")
    x = b.relu(x, id="relu2")
    x = b.maxpool2d(x, 2, id="pool")
    x = b.flatten(x, id="flatten")
    x = b.dropout(x, 0.25, id="drop")
    x = b.linear(x, 64, id="fc1")
    x = b.relu(x, id="relu3")
    x = b.linear(x, classes, id="fc2")
    b.output(x)
    return b.build()


def tiny_vgg(classes: int = 10) -> Graph:
    b = DesignBuilder(
        "Tiny-VGG",
        "The network of CNN Explainer (Wang et al., 'CNN Explainer: Learning Convolutional "
        "Neural Networks with Interactive Visualization', IEEE VIS 2020), trained there on 10 "
        "classes of Tiny ImageNet. Input 3×64×64. Two VGG-style blocks, each two unpadded 3×3 "
        "convolutions of 10 filters with ReLU and a 2×2 max pool (64 → 62 → 60 → 30 → 28 → 26 "
        "→ 13), then one Linear layer on the 10×13×13 map: 19,920 parameters. Small enough to "
        "watch every filter and activation.",
    )
    x = b.input([3, 64, 64])
    for block in (1, 2):
        for conv in (1, 2):
            x = b.conv2d(x, 10, 3, id=f"conv_{block}_{conv}")
            x = b.relu(x, id=f"relu_{block}_{conv}")
        x = b.maxpool2d(x, 2, id=f"max_pool_{block}")
    x = b.flatten(x, id="flatten")
    x = b.linear(x, classes, id="fc")
    b.output(x)
    return b.build()
