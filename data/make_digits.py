#!/usr/bin/python3
"""Make digits.npz, the dataset of cnnc's training walkthrough.

The data are scikit-learn's 8x8 handwritten digits (sklearn.datasets.
load_digits: 1,797 images, 10 classes), a copy of the test set of the UCI
ML "Optical Recognition of Handwritten Digits" dataset by E. Alpaydin and
C. Kaynak (1998), distributed with scikit-learn under the BSD-3-Clause
licence. Each pixel counts the "on" pixels of a 4x4 block of a 32x32
bitmap, 0 to 16.

digits.npz holds, as cnnc train reads them:

    x      float32 [1438, 1, 8, 8]  training images, pixels scaled to [0, 1]
    y      int64   [1438]           their digits, 0 to 9
    x_val  float32 [359, 1, 8, 8]   held-out images (20%)
    y_val  int64   [359]

and digits_samples.npy, float32 [10, 1, 8, 8], the first held-out image of
each digit from 0 to 9 in order, for trying a trained model with cnnc run.

The split is fixed: numpy.random.RandomState(0).permutation of the 1,797
images, the first 20% of every class held out (stratified), so that both
halves hold each digit in the proportions of the whole. Run it from the
repository's root with a Python that has numpy and scikit-learn (Debian:
python3-sklearn):

    python3 data/make_digits.py   # writes data/digits.npz, data/digits_samples.npy
"""

import os

import numpy as np
from sklearn.datasets import load_digits


def main():
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(y))
    val = np.zeros(len(y), dtype=bool)
    for digit in range(10):
        members = order[y[order] == digit]
        val[members[: round(0.2 * len(members))]] = True
    train = ~val
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "digits.npz")
    np.savez_compressed(out, x=x[train], y=y[train], x_val=x[val], y_val=y[val])
    print(f"{out}: {train.sum()} training and {val.sum()} held-out images")
    x_val, y_val = x[val], y[val]
    samples = np.stack([x_val[np.flatnonzero(y_val == d)[0]] for d in range(10)])
    np.save(os.path.join(here, "digits_samples.npy"), samples)


if __name__ == "__main__":
    main()
