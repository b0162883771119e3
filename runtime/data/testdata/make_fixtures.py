"""Makes the fixtures of runtime/data's tests, with torchvision (0.14) and
PIL, byte for byte the same on every run:

  idx/             a tiny IDX data set: train-* (3 images of 2x3 pixels,
                   the images uncompressed, the labels gzipped) and t10k-*
                   (2 images, the other way round)
  folder/          an image data set in class folders: PNGs (gray, RGB,
                   RGBA, paletted, 16-bit gray), one grayscale JPEG, files
                   torchvision skips, nested folders whose paths sort with
                   '-' before '/'
  folder.npz       what torchvision.datasets.ImageFolder gives for it:
                   paths (relative, in order), targets, classes, and every
                   image through convert("L") or convert("RGB") and ToTensor
  photo.png        a 13x17 RGB picture
  resize.npz       photo.png through convert, ToTensor,
                   Resize((h, w), BILINEAR, antialias=False) and Normalize,
                   for gray and RGB, shrunk to 5x7 and grown to 20x30

Run from the repository root: python3 runtime/data/testdata/make_fixtures.py
"""
import gzip
import io
import json
import os
import shutil
import struct

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def idx(dims, values):
    magic = struct.pack(">BBBB", 0, 0, 8, len(dims))
    return magic + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_idx():
    d = os.path.join(HERE, "idx")
    shutil.rmtree(d, ignore_errors=True)
    train = list(range(0, 18 * 14, 14))  # 3 images of 2x3: 0, 14, 28, ... 238
    write(os.path.join(d, "train-images-idx3-ubyte"), idx([3, 2, 3], train))
    write(os.path.join(d, "train-labels-idx1-ubyte.gz"), gz(idx([3], [2, 0, 1])))
    write(os.path.join(d, "t10k-images-idx3-ubyte.gz"), gz(idx([2, 2, 3], [255 - v for v in train[:12]])))
    write(os.path.join(d, "t10k-labels-idx1-ubyte"), idx([2], [1, 1]))


def picture(h, w, seed):
    rng = np.random.RandomState(seed)
    return rng.randint(0, 256, size=(h, w, 3), dtype=np.uint8)


def save_png(path, img, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, format="PNG", **kw)


def make_folder():
    d = os.path.join(HERE, "folder")
    shutil.rmtree(d, ignore_errors=True)
    h, w = 4, 5
    rgb = lambda seed: Image.fromarray(picture(h, w, seed), "RGB")
    # Bird: upper case sorts before lower case.
    save_png(os.path.join(d, "Bird", "b.png"), rgb(1))
    save_png(os.path.join(d, "Bird", "a.PNG"), rgb(2))  # the extension in any case
    write(os.path.join(d, "Bird", "notes.txt"), b"not an image: skipped\n")
    # cat: nested folders; "cat/sub-x" sorts before "cat/sub/deeper".
    save_png(os.path.join(d, "cat", "z.png"), rgb(3).convert("L"))
    save_png(os.path.join(d, "cat", "sub", "y.png"), rgb(4).convert("RGBA"))
    save_png(os.path.join(d, "cat", "sub", "deeper", "x.png"), rgb(5).convert("P"))
    save_png(os.path.join(d, "cat", "sub-x", "w.png"), rgb(6))
    # dog: alpha, 16-bit gray, a grayscale JPEG.
    a = np.concatenate([picture(h, w, 7), picture(h, w, 8)[:, :, :1]], axis=2)
    save_png(os.path.join(d, "dog", "1.png"), Image.fromarray(a, "RGBA"))
    g16 = (picture(h, w, 9)[:, :, 0].astype(np.uint16) * 257)
    Image.fromarray(g16, "I;16").save(os.path.join(d, "dog", "2.png"), format="PNG")
    rgb(10).convert("L").save(os.path.join(d, "dog", "3.jpg"), format="JPEG", quality=90)
    write(os.path.join(d, "dog", "README"), b"no extension: skipped\n")

    ds = torchvision.datasets.ImageFolder(d)
    paths = [os.path.relpath(p, d) for p, _ in ds.samples]
    targets = [t for _, t in ds.samples]
    out = {"targets": np.array(targets, dtype=np.int64)}
    for mode in ("L", "RGB"):
        xs = []
        for p, _ in ds.samples:
            with open(p, "rb") as f:
                img = Image.open(f)
                if img.mode == "I;16" or img.mode == "I":
                    # PIL clips 16-bit gray to 255 in convert; cnnc reads the
                    # high byte: the fixture holds cnnc's reading.
                    img = Image.fromarray((np.asarray(img, dtype=np.uint16) >> 8).astype(np.uint8), "L")
                xs.append(TF.to_tensor(img.convert(mode)).numpy())
        out["x_" + mode] = np.stack(xs)
    out["paths"] = np.frombuffer(json.dumps(paths).encode(), dtype=np.uint8)
    out["classes"] = np.frombuffer(json.dumps(ds.classes).encode(), dtype=np.uint8)
    np.savez(os.path.join(HERE, "folder.npz"), **out)
    print("ImageFolder:", list(zip(paths, targets)))


def make_resize():
    p = os.path.join(HERE, "photo.png")
    ys, xs = np.mgrid[0:13, 0:17]
    pic = np.stack([(ys * 19 + xs * 7) % 256, (xs * xs * 3 + ys) % 256, (ys * xs * 5) % 256], axis=2).astype(np.uint8)
    Image.fromarray(pic, "RGB").save(p, format="PNG")
    out = {}
    norms = {"L": ([0.5], [0.25]), "RGB": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])}
    for mode, (mean, std) in norms.items():
        t = TF.to_tensor(Image.open(p).convert(mode))
        for h, w in ((5, 7), (20, 30), (13, 17)):
            r = TF.resize(t, [h, w], interpolation=TF.InterpolationMode.BILINEAR, antialias=False)
            out["%s_%dx%d" % (mode, h, w)] = TF.normalize(r, mean, std).numpy()
    np.savez(os.path.join(HERE, "resize.npz"), **out)


if __name__ == "__main__":
    torch.manual_seed(0)
    make_idx()
    make_folder()
    make_resize()
