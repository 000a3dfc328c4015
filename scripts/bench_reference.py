"""Times one DeepDream iteration in PyTorch (CPU): forward to a VGG16 layer, objective = mean of squared
activations, backward to the input image. Same weights and sizes as `deepdream bench`; median of N runs
after a warm-up. Prints one line per size: `SIZE SECONDS`."""
import argparse
import statistics
import time

import torch
from safetensors.torch import load_file

# torchvision's vgg16.features: index of each layer name.
NAMES = []
for block, convs in enumerate([2, 2, 3, 3, 3], start=1):
    for i in range(1, convs + 1):
        NAMES += [f"conv{block}_{i}", f"relu{block}_{i}"]
    NAMES.append(f"pool{block}")


def features(weights, layer):
    tensors = load_file(weights)
    modules, cin = [], 3
    for index, name in enumerate(NAMES[: NAMES.index(layer) + 1]):
        if name.startswith("conv"):
            w = tensors[f"features.{index}.weight"]
            conv = torch.nn.Conv2d(cin, w.shape[0], 3, padding=1)
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(tensors[f"features.{index}.bias"])
            modules.append(conv)
            cin = w.shape[0]
        elif name.startswith("relu"):
            modules.append(torch.nn.ReLU(inplace=False))
        else:
            modules.append(torch.nn.MaxPool2d(2, 2))
    net = torch.nn.Sequential(*modules).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def iteration(net, image):
    image.grad = None
    out = net(image)
    out.pow(2).mean().backward()
    return image.grad


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--layer", default="relu4_3")
    parser.add_argument("--size", action="append", required=True, help="WIDTHxHEIGHT")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = features(args.weights, args.layer)
    for size in args.size:
        width, height = map(int, size.lower().split("x"))
        image = (torch.rand(1, 3, height, width) * 255 - 117).requires_grad_(True)
        iteration(net, image)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            iteration(net, image)
            times.append(time.perf_counter() - start)
        print(f"{size} {statistics.median(times):.4f}", flush=True)


if __name__ == "__main__":
    main()
