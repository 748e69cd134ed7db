"""Fixtures of the Explain tests: hand-built networks with known answers, and LeNet-5
trained on digits (a real checkpoint)."""

import pytest

from designer.core.serialize import load
from designer.zoo import find


def one_pixel_net(where=(3, 5), size=8):
    """A classifier whose output depends on the pixel ``where`` only: the input is masked to
    that pixel, a 1×1 identity convolution and a ReLU keep it, the map is summed, and class 0
    scores +2·pixel, class 1 0.2 − 2·pixel (so class 0 wins while the pixel is above 0.05)."""
    import torch
    from torch import nn

    class OnePixel(nn.Module):
        def __init__(self):
            super().__init__()
            mask = torch.zeros(1, 1, size, size)
            mask[..., where[0], where[1]] = 1.0
            self.register_buffer("mask", mask)
            self.conv = nn.Conv2d(1, 1, 1, bias=False)
            self.relu = nn.ReLU()
            self.fc = nn.Linear(1, 2)
            with torch.no_grad():
                self.conv.weight.fill_(1.0)
                self.fc.weight.copy_(torch.tensor([[2.0], [-2.0]]))
                self.fc.bias.copy_(torch.tensor([0.0, 0.2]))

        def forward(self, x):
            return self.fc(self.relu(self.conv(x * self.mask)).sum((2, 3)))

    net = OnePixel().eval()
    net.design_names = {"conv": "conv", "relu": "relu", "fc": "fc"}
    return net


def hot_channel_net(spot=(5, 2), size=8):
    """A CNN whose last convolution has one channel (2 of 4) that fires only at a bright
    spot; class 0 reads that channel after global average pooling."""
    import torch
    from torch import nn

    class HotChannel(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.relu = nn.ReLU()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4, 2)
            with torch.no_grad():
                self.conv.weight.zero_()
                self.conv.bias.fill_(-1.0)
                self.conv.weight[2, 0, 1, 1] = 1.0
                self.conv.bias[2] = -0.5
                self.fc.weight.zero_()
                self.fc.weight[0, 2] = 5.0
                self.fc.bias.copy_(torch.tensor([0.0, 0.01]))

        def forward(self, x):
            return self.fc(self.pool(self.relu(self.conv(x))).flatten(1))

    net = HotChannel().eval()
    net.design_names = {"conv": "conv", "relu": "relu", "pool": "pool", "fc": "fc"}
    image = torch.full((1, 1, size, size), 0.1)
    image[..., spot[0], spot[1]] = 1.0
    return net, image


@pytest.fixture(scope="session")
def lenet_checkpoint(tmp_path_factory):
    """LeNet-5 after 4 epochs on digits (about 97 % validation accuracy), saved as last.pt."""
    from designer.training import DataConfig, Finished, TrainingConfig, train

    folder = tmp_path_factory.mktemp("lenet")
    config = TrainingConfig(data=DataConfig("digits"), epochs=4, batch_size=32, device="cpu", seed=0, lr=0.01)
    events = list(train(load(find("lenet5")), config, checkpoint_dir=folder))
    assert isinstance(events[-1], Finished), events[-1]
    return folder / "last.pt"


@pytest.fixture(scope="session")
def lenet_trained(lenet_checkpoint):
    """(model, DataBundle) of the trained LeNet-5, loaded as the viewers load a checkpoint."""
    from designer.compiler import compile_design
    from designer.training.checkpoint import design_of, load_checkpoint
    from designer.training.config import TrainingConfig
    from designer.training.data import load_dataset

    data = load_checkpoint(lenet_checkpoint)
    model = compile_design(design_of(data))
    model.load_state_dict(data["model"])
    config = TrainingConfig.from_dict(data["config"])
    return model.eval(), load_dataset(config.data, (1, 32, 32), config.seed)
