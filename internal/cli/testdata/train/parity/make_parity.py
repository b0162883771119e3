#!/usr/bin/python3
"""Make the PyTorch fixtures that cnnc train is held to (train_parity.txtar).

For a classifier (cross-entropy on the scores before the final softmax) and
a regressor (squared error), a tiny network is trained by PyTorch for 4
epochs on 16 samples at full batch, so that one epoch is one step and the
order of the samples cannot matter, with torch.optim.SGD(lr=0.1,
momentum=0.9, weight_decay=1e-3) and StepLR(step_size=2, gamma=0.5), the
run

    cnnc train --data data.npz --weights start.npz --epochs 4 --batch 16 \\
        --lr 0.1 --momentum 0.9 --weight-decay 0.001 --lr-step 2 --lr-gamma 0.5 \\
        --out w.npz model.cnn

makes. Each case's directory gets

    model.cnn  the network
    data.npz   x, y: the 16 samples and their labels or targets
    start.npz  the starting parameters (PyTorch's state_dict)
    want.npz   the parameters after training, and per epoch batch_loss (the
               loss of its step, before the step) and train_loss (after it,
               over the whole set)

Then Adam and AdamW (adam/ and adamw/, the classifier's network): 3 epochs
on 40 samples in mini-batches of 16, 16 and 8, visited in the order cnnc
train draws (runtime.Rand, SplitMix64, seed 1; Fisher-Yates from the last
position down, as runner.Shuffle), with a cosine schedule after a warm-up
epoch, SequentialLR([LinearLR, CosineAnnealingLR(T_max=2)], milestones=[1])
stepped once an epoch, the runs

    cnnc train --data data.npz --weights start.npz --epochs 3 --batch 16 \\
        --optim adam --lr 0.01 --schedule cosine --warmup 1 --out w.npz model.cnn
    cnnc train ... --optim adamw --lr 0.01 --betas 0.85,0.99 --eps 1e-7 \\
        --weight-decay 0.05 --schedule cosine --eta-min 0.0001 --warmup 1 \\
        --warmup-factor 0.1 ...

make (parity.txtar); adamw_bn/ trains a residual block with batchnorm
(on runtime/engine) with AdamW's defaults but lr 0.01, the run

    cnnc train ... --optim adamw --lr 0.01 --schedule cosine --warmup 1 ...

sgd_bn/ trains a small ResNet with batchnorm (two residual blocks, the
second's shortcut a strided 1x1 conv and batchnorm; see ResNetBN) the same
way with torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
weight_decay=0.01) and StepLR(step_size=2, gamma=0.5), the run

    cnnc train ... --lr 0.1 --momentum 0.9 --weight-decay 0.01 \\
        --lr-step 2 --lr-gamma 0.5 ...

Weight decay applies to every parameter, batchnorm's weights and biases
too, in PyTorch (all of model.parameters() in one group) as in cnnc.

want.npz also holds lr, the rate of each epoch.

Run it from anywhere with Debian's python3 (numpy and torch):

    /usr/bin/python3 internal/cli/testdata/train/parity/make_parity.py
"""

import os
import warnings

import numpy as np
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS, N = 4, 16
SGD = dict(lr=0.1, momentum=0.9, weight_decay=1e-3)
STEP = dict(step_size=2, gamma=0.5)


class Classifier(nn.Module):
    """input 6x6x2; conv 3x3x3 p1; relu; pool max 2x2; fc 4; softmax."""

    cnn = "input 6x6x2\nconv 3x3x3 p1\nrelu\npool max 2x2\nfc 4\nsoftmax\n"

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 3, 3, padding=1)
        self.fc1 = nn.Linear(27, 4)

    def forward(self, x):  # the scores before the softmax
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        return self.fc1(x.flatten(1))


class Regressor(nn.Module):
    """input 5x5x1; conv 3x3x2; tanh; fc 3."""

    cnn = "input 5x5x1\nconv 3x3x2\ntanh\nfc 3\n"

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.fc1 = nn.Linear(18, 3)

    def forward(self, x):
        return self.fc1(torch.tanh(self.conv1(x)).flatten(1))


def make(name, model, x, y, loss_fn):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "model.cnn"), "w") as f:
        f.write(model.cnn)
    np.savez(os.path.join(out, "data.npz"), x=x.numpy(), y=y.numpy())
    state = lambda: {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    np.savez(os.path.join(out, "start.npz"), **state())
    opt = torch.optim.SGD(model.parameters(), **SGD)
    sched = torch.optim.lr_scheduler.StepLR(opt, **STEP)
    batch_loss, train_loss = [], []
    for _ in range(EPOCHS):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        batch_loss.append(loss.item())
        with torch.no_grad():
            train_loss.append(loss_fn(model(x), y).item())
    np.savez(os.path.join(out, "want.npz"), **state(),
             batch_loss=np.array(batch_loss), train_loss=np.array(train_loss))
    print(f"{name}: losses {batch_loss} -> {train_loss[-1]}")


class SplitMix:
    """runtime.Rand: SplitMix64."""

    def __init__(self, seed):
        self.s = seed

    def u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) % 2**64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
        return z ^ (z >> 31)


def shuffle(rng, p):
    """runner.Shuffle: Fisher-Yates from the last position down."""
    for i in range(len(p) - 1, 0, -1):
        j = rng.u64() % (i + 1)
        p[i], p[j] = p[j], p[i]


ADAM_EPOCHS, ADAM_N, ADAM_BATCH = 3, 40, 16


class ResBN(nn.Module):
    """A residual block with batchnorm (cnnc's graph generator, on runtime/engine)."""

    cnn = ("input 6x6x2\nconv 3x3x4 p1 nobias\nbatchnorm\nrelu\n"
           "residual {\n  conv 3x3x4 p1 nobias\n  batchnorm\n  relu\n  conv 3x3x4 p1 nobias\n  batchnorm\n}\n"
           "relu\npool max 2x2\nfc 4\nsoftmax\n")

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.conv2, self.bn2 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.conv3, self.bn3 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.fc1 = nn.Linear(36, 4)

    def forward(self, x):  # the scores before the softmax
        x = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn3(self.conv3(torch.relu(self.bn2(self.conv2(x)))))
        x = nn.functional.max_pool2d(torch.relu(x + y), 2)
        return self.fc1(x.flatten(1))


class ResNetBN(nn.Module):
    """A small ResNet of torchvision's BasicBlocks: a stem, an identity block, a block that halves the map
    and doubles the channels (its shortcut a strided 1x1 conv and batchnorm),
    global average pooling and an fc. The starting batchnorm parameters and
    running statistics are drawn away from PyTorch's defaults (and
    num_batches_tracked starts at 5), so that every one of them is checked."""

    shape, classes = (3, 8, 8), 3
    block = ("  conv 3x3x{c} {s}p1 nobias\n  batchnorm\n  relu\n"
             "  conv 3x3x{c} p1 nobias\n  batchnorm\n")
    cnn = ("input 8x8x3\nconv 3x3x4 p1 nobias\nbatchnorm\nrelu\n"
           "layer1: residual {\n" + block.format(c=4, s="") + "}\nrelu\n"
           "layer2: residual {\n" + block.format(c=8, s="s2 ") + "} shortcut {\n"
           "  downsample.0: conv 1x1x8 s2 nobias\n  downsample.1: batchnorm\n}\nrelu\n"
           "pool avg global\nfc: fc 3\nsoftmax\n")

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.layer1 = BasicBlock(4, 4)
        self.layer2 = BasicBlock(4, 8, 2, nn.Sequential(nn.Conv2d(4, 8, 1, 2, bias=False), nn.BatchNorm2d(8)))
        self.fc = nn.Linear(8, 3)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_(0, 0.2)
                    m.running_mean.normal_(0, 0.2)
                    m.running_var.uniform_(0.5, 2)
                    m.num_batches_tracked.fill_(5)

    def forward(self, x):  # the scores before the softmax
        x = self.layer2(self.layer1(torch.relu(self.bn1(self.conv1(x)))))
        return self.fc(x.mean((2, 3)))


def make_adam(name, opt_fn, sched_fn, model_cls=Classifier, seed=8):
    """An Adam case: a classifier trained in mini-batches in cnnc's order,
    measured after each epoch in eval mode (batchnorm's running statistics),
    as cnnc train measures it. (Also the SGD case of sgd_bn.)"""
    torch.manual_seed(seed)
    model = model_cls()
    shape, classes = getattr(model_cls, "shape", (2, 6, 6)), getattr(model_cls, "classes", 4)
    x, y = torch.randn(ADAM_N, *shape), torch.randint(0, classes, (ADAM_N,))
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "model.cnn"), "w") as f:
        f.write(model.cnn)
    np.savez(os.path.join(out, "data.npz"), x=x.numpy(), y=y.numpy())
    state = lambda: {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    np.savez(os.path.join(out, "start.npz"), **state())
    loss_fn = nn.CrossEntropyLoss()
    opt = opt_fn(model.parameters())
    sched = sched_fn(opt)
    rng = SplitMix(1)
    batch_loss, train_loss, lrs = [], [], []
    for _ in range(ADAM_EPOCHS):
        lrs.append(opt.param_groups[0]["lr"])
        order = list(range(ADAM_N))
        shuffle(rng, order)
        total = 0.0
        for lo in range(0, ADAM_N, ADAM_BATCH):
            idx = order[lo:lo + ADAM_BATCH]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        batch_loss.append(total / ADAM_N)
        model.eval()
        with torch.no_grad():
            train_loss.append(loss_fn(model(x), y).item())
        model.train()
    np.savez(os.path.join(out, "want.npz"), **state(), batch_loss=np.array(batch_loss),
             train_loss=np.array(train_loss), lr=np.array(lrs))
    print(f"{name}: losses {batch_loss} -> {train_loss[-1]}, lr {lrs}")


def warm_cosine(factor, eta_min):
    S = torch.optim.lr_scheduler
    return lambda opt: S.SequentialLR(opt, [S.LinearLR(opt, start_factor=factor, total_iters=1),
                                            S.CosineAnnealingLR(opt, T_max=2, eta_min=eta_min)], milestones=[1])


def main():
    warnings.filterwarnings("ignore")  # scheduler.step(0) inside SequentialLR
    torch.manual_seed(6)
    make("classifier", Classifier(), torch.randn(N, 2, 6, 6), torch.randint(0, 4, (N,)), nn.CrossEntropyLoss())
    torch.manual_seed(7)
    make("regressor", Regressor(), torch.randn(N, 1, 5, 5), torch.randn(N, 3), nn.MSELoss())
    make_adam("adam", lambda p: torch.optim.Adam(p, lr=0.01), warm_cosine(1 / 3, 0))
    make_adam("adamw", lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.85, 0.99), eps=1e-7, weight_decay=0.05),
              warm_cosine(0.1, 1e-4))
    make_adam("adamw_bn", lambda p: torch.optim.AdamW(p, lr=0.01), warm_cosine(1 / 3, 0), ResBN)
    make_adam("sgd_bn", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
              lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5), ResNetBN, seed=9)


if __name__ == "__main__":
    main()
