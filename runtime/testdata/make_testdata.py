#!/usr/bin/python3
"""Writes the fixtures runtime's tests read: .npy, .npz and .safetensors
files made by NumPy and PyTorch themselves, and expected.json listing what
each valid file holds.

Run from runtime/testdata with the system Python (NumPy 1.24, PyTorch 1.13):

    /usr/bin/python3 make_testdata.py

The safetensors package is not installed, so the .safetensors files are
written by hand following the format's specification, laid out as
safetensors.torch.save_file lays them out (tensors ordered by dtype size,
then name; header padded with spaces to a multiple of 8 bytes). Their JSON
keys are deliberately not in data order, to test that readers sort by offset.
"""
import json
import struct

import numpy as np
import torch

expected = {}


def record(path, arrays):
    """Records what path holds: [(name, array), ...] in file order."""
    expected[path] = [
        {
            "name": name,
            "shape": list(a.shape),
            "dtype": str(a.dtype),
            "values": [repr(float(v)) if a.dtype.kind == "f" else repr(int(v)) for v in a.ravel()],
        }
        for name, a in arrays
    ]


def save(path, a, version=None):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=version)
    if a.dtype.byteorder != ">" and not (a.flags.f_contiguous and not a.flags.c_contiguous) and a.dtype.kind != "c":
        record(path, [(path[:-4], a)])


# Plain .npy files, as numpy.save writes them.
save("f4.npy", np.array([[0, 1.5, -2], [3.25, 1e-8, 65504]], dtype="<f4"))
save("f8.npy", np.array([1 / 3, -0.0, 1e300, 5e-324], dtype="<f8"))
save("scalar.npy", np.array(2.5, dtype="<f4"))
save("empty.npy", np.zeros((0, 3), dtype="<f4"))
save("labels.npy", np.array([3, 1, 4, 1, 5, 9, -2, 2**62], dtype="<i8"))
save("u1.npy", np.array([[0, 255], [7, 128]], dtype="|u1"))
save("f2.npy", np.array([0, -0.0, 1, 65504, 2**-24, 2**-14, -2.5, np.inf, -np.inf, np.nan, 0.1], dtype="<f2"))
save("v2.npy", np.arange(5, dtype="<f4"), version=(2, 0))
save("v3.npy", np.arange(6, dtype="<f8").reshape(3, 2), version=(3, 0))

# Files that must be rejected.
save("bigendian.npy", np.arange(4, dtype=">f4"))
save("fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
save("complex.npy", np.zeros(2, dtype="<c8"))

# Integers of every width numpy.savez can hold that the runtime reads.
ints = {
    "i1": np.array([-128, 127], dtype="i1"),
    "i2": np.array([-32768, 32767], dtype="<i2"),
    "i4": np.array([-(2**31), 2**31 - 1], dtype="<i4"),
    "i8": np.array([-(2**63), 2**63 - 1], dtype="<i8"),
    "u1": np.array([0, 255], dtype="u1"),
    "u2": np.array([0, 65535], dtype="<u2"),
    "u4": np.array([0, 2**32 - 1], dtype="<u4"),
}
np.savez("ints.npz", **ints)
record("ints.npz", list(ints.items()))


# A tiny PyTorch model, saved exactly as cnnc's documentation says to.
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 2, 3)
        self.bn1 = torch.nn.BatchNorm2d(2)
        self.fc1 = torch.nn.Linear(8, 3)


torch.manual_seed(0)
model = Net()
model.bn1.running_mean += 0.5
model.bn1.num_batches_tracked += 3
state = {k: v.numpy() for k, v in model.state_dict().items()}
np.savez("model.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
np.savez_compressed("model_compressed.npz", **state)
record("model.npz", list(state.items()))
record("model_compressed.npz", list(state.items()))


def save_safetensors(path, tensors, key_order):
    """Writes tensors {name: (dtype, shape, bytes)} in save_file's layout."""
    size = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "U8": 1}
    names = sorted(tensors, key=lambda n: (-size[tensors[n][0]], n))
    offsets, pos = {}, 0
    for n in names:
        offsets[n] = [pos, pos + len(tensors[n][2])]
        pos += len(tensors[n][2])
    header = {"__metadata__": {"format": "pt"}}
    for n in key_order:
        dtype, shape, _ = tensors[n]
        header[n] = {"dtype": dtype, "shape": shape, "data_offsets": offsets[n]}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for n in names:
            f.write(tensors[n][2])
    return names


def tensor_entry(t):
    dtype = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]
    return dtype, list(t.shape), t.contiguous().numpy().tobytes()


sd = model.state_dict()
order = save_safetensors("model.safetensors", {k: tensor_entry(v) for k, v in sd.items()}, sorted(sd, reverse=True))
record("model.safetensors", [(k, state[k]) for k in order])

half = np.array([1, -0.5, 65504, 2**-24], dtype="<f2")
bf = torch.tensor([1, -0.5, 3e38, 1e-40], dtype=torch.bfloat16)
mixed = {
    "half": ("F16", [2, 2], half.tobytes()),
    "brain": ("BF16", [4], bf.view(torch.int16).numpy().tobytes()),
    "double": ("F64", [], np.array(0.1, dtype="<f8").tobytes()),
    "int": ("I32", [3], np.array([-1, 0, 7], dtype="<i4").tobytes()),
    "byte": ("U8", [2], np.array([0, 200], dtype="u1").tobytes()),
    "none": ("F32", [0, 4], b""),
}
order = save_safetensors("mixed.safetensors", mixed, ["byte", "int", "none", "half", "double", "brain"])
values = {
    "half": half.reshape(2, 2),
    "brain": bf.float().numpy(),
    "double": np.array(0.1, dtype="<f8"),
    "int": np.array([-1, 0, 7], dtype="<i4"),
    "byte": np.array([0, 200], dtype="u1"),
    "none": np.zeros((0, 4), dtype="<f4"),
}
record("mixed.safetensors", [(k, values[k]) for k in order])

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
