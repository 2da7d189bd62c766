"""
Fixtures for the quantizer's Conv forms the zoo's CNN does not have: a strided, a depthwise (grouped)
and a pointwise Conv, then two ConvTranspose layers back to full resolution, as a segmentation or
upsampling head looks. Exported with PyTorch's default exporter (external data) into
models/zoo/upsampler/, in the zoo's layout and with make_zoo.py's own writers (sample, onnxruntime's
outputs, quantize_dynamic's reference).

Run once, commit the outputs: CI never needs Python.
    python scripts/zoo/make_quant_fixtures.py      (torch, onnx, onnxruntime, onnxscript, scikit-learn)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_zoo import export_default, finish, fresh_dir, seeded  # noqa: E402

MASK_CLASSES = 4


class Upsampler(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.Conv2d(16, 32, 1), nn.ReLU(),
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 2, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(16, MASK_CLASSES, 3, stride=1, padding=1),
        )

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.up(self.down(pixel_values))


def make_upsampler() -> dict:
    rng = seeded(40)
    model = Upsampler().eval()
    directory = fresh_dir("upsampler")
    path = directory / "model.onnx"
    export_default(model, (torch.zeros(2, 3, 32, 32),), path, input_names=["pixel_values"],
                   output_names=["mask_logits"], dynamic_shapes={"pixel_values": {0: torch.export.Dim("batch")}})
    sample = rng.normal(0, 1, size=(1, 3, 32, 32)).astype(np.float32)
    return finish("upsampler", path, {"pixel_values": sample}, {
        "stands_for": "a segmentation head: strided, depthwise and pointwise Conv2d, two ConvTranspose2d",
        "made_by": "torch.onnx.export defaults (dynamo exporter), dynamic batch; random weights (seeded)",
    })


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        make_upsampler()
