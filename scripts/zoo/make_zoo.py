"""
Builds the fixture model zoo in models/zoo/: small ONNX graphs made the way users make them (PyTorch's
default exporter with external data, the legacy TorchScript exporter, weights in Constant nodes as
Paddle2ONNX writes them, an ai.onnx.ml pipeline as skl2onnx writes it), each with one sample request,
onnxruntime's outputs for it and what onnxruntime's own dynamic quantizer makes of it.

Run once, commit the outputs: CI never needs Python. See scripts/zoo/README.md.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import shutil
import struct
import sys
import tempfile
import unicodedata
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import sklearn
import torch
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
ZOO = ROOT / "models" / "zoo"
SPAM_ASSASSIN = ROOT / "node_modules" / "@stdlib" / "datasets-spam-assassin" / "data"
SEED = 20261201

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def seeded(offset: int) -> np.random.Generator:
    torch.manual_seed(SEED + offset)
    return np.random.default_rng(SEED + offset)


# ---------------------------------------------------------------- writing fixtures

DTYPES = {
    np.dtype(np.float32): "float32",
    np.dtype(np.int64): "int64",
    np.dtype(np.int32): "int32",
    np.dtype(np.bool_): "bool",
}


def tensor_json(array: np.ndarray) -> dict:
    data = array.ravel().tolist()
    return {"dims": list(array.shape), "dtype": DTYPES[array.dtype], "data": data}


def write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=1) + "\n")


def fresh_dir(name: str) -> Path:
    directory = ZOO / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def run_onnxruntime(model_path: Path, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))


def model_bytes(model_path: Path) -> int:
    """The .onnx file plus every external data file it names."""
    total = model_path.stat().st_size
    model = onnx.load(str(model_path), load_external_data=False)
    locations = {
        entry.value
        for tensor in external_tensors(model)
        for entry in tensor.external_data
        if entry.key == "location"
    }
    return total + sum((model_path.parent / location).stat().st_size for location in locations)


def external_tensors(model: onnx.ModelProto) -> list[onnx.TensorProto]:
    return [
        tensor
        for tensor in model.graph.initializer
        if tensor.data_location == TensorProto.EXTERNAL
    ]


# (preprocessing, weight type, per channel), tried in order; the first that quantizes and runs is the reference.
# Preprocessing: ORT's own advice (quant_pre_process), or, where its shape inference fails, dropping the graph's
# value_info (the dynamo exporter records the weights' shapes there, which clash once the quantizer transposes them).
QUANTIZE_CONFIGURATIONS = [
    ("none", QuantType.QInt8, True),
    ("quant_pre_process", QuantType.QInt8, True),
    ("value_info cleared", QuantType.QInt8, True),
    ("quant_pre_process", QuantType.QInt8, False),
    ("quant_pre_process", QuantType.QUInt8, True),
]


def quantized_reference(model_path: Path, inputs: dict[str, np.ndarray], fp32: dict[str, np.ndarray]) -> dict:
    """onnxruntime's own dynamic quantizer on the fixture: int8 weights, per channel where it applies."""
    attempts = []
    for preprocess, weight_type, per_channel in QUANTIZE_CONFIGURATIONS:
        attempt = quantize_once(model_path, inputs, fp32, preprocess, weight_type, per_channel)
        attempts.append(attempt)
        if attempt["status"] == "ok":
            break
    return {
        "tool": "onnxruntime.quantization.quantize_dynamic",
        "onnxruntime": onnxruntime.__version__,
        "fp32_bytes": model_bytes(model_path),
        "reference": next((a for a in attempts if a["status"] == "ok"), None),
        "attempts": attempts,
    }


def quantize_once(model_path: Path, inputs: dict[str, np.ndarray], fp32: dict[str, np.ndarray],
                  preprocess: str, weight_type: QuantType, per_channel: bool) -> dict:
    attempt: dict = {"preprocessing": preprocess, "weight_type": weight_type.name, "per_channel": per_channel}
    with tempfile.TemporaryDirectory() as scratch:
        source = model_path
        if preprocess == "quant_pre_process":
            source = Path(scratch) / "model.pre.onnx"
            try:
                quant_pre_process(str(model_path), str(source))
            except Exception as error:  # noqa: BLE001 - the reason is the finding
                return {**attempt, "status": "quant_pre_process failed", "error": first_line(error)}
        elif preprocess == "value_info cleared":
            source = Path(scratch) / "model.pre.onnx"
            model = onnx.load(str(model_path))
            del model.graph.value_info[:]
            onnx.save(model, str(source))
        output = Path(scratch) / "model.int8.onnx"
        try:
            quantize_dynamic(model_input=str(source), model_output=str(output), weight_type=weight_type,
                             per_channel=per_channel)
        except Exception as error:  # noqa: BLE001
            return {**attempt, "status": "quantize failed", "error": first_line(error)}
        quantized = onnx.load(str(output))
        attempt["bytes"] = model_bytes(output)
        attempt["ops"] = dict(sorted(Counter(node.op_type for node in quantized.graph.node).items()))
        try:
            outputs = run_onnxruntime(output, inputs)
        except Exception as error:  # noqa: BLE001
            return {**attempt, "status": "run failed", "error": first_line(error)}
    attempt["status"] = "ok"
    attempt["max_abs_error"] = {
        name: float(np.max(np.abs(outputs[name].astype(np.float64) - fp32[name].astype(np.float64))))
        for name in fp32
    }
    return attempt


def first_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return re.sub(r"\s+", " ", text)[:400]


def opsets(model: onnx.ModelProto) -> dict[str, int]:
    return {(entry.domain or "ai.onnx"): entry.version for entry in model.opset_import}


def value_infos(values) -> list[dict]:
    described = []
    for value in values:
        tensor = value.type.tensor_type
        # A dimension is named (symbolic), a number, or neither (unknown, as skl2onnx writes None).
        dims = [
            dim.dim_param if dim.HasField("dim_param") else dim.dim_value if dim.HasField("dim_value") else None
            for dim in tensor.shape.dim
        ]
        described.append({"name": value.name, "dtype": TensorProto.DataType.Name(tensor.elem_type).lower(), "dims": dims})
    return described


def finish(name: str, model_path: Path, inputs: dict[str, np.ndarray], about: dict) -> dict:
    """Checks the graph, writes sample.json, expected.json and quantized-reference.json, returns a README row."""
    onnx.checker.check_model(str(model_path), full_check=True)
    outputs = run_onnxruntime(model_path, inputs)
    directory = model_path.parent
    write_json(directory / "sample.json", {"inputs": {key: tensor_json(value) for key, value in inputs.items()}})
    write_json(
        directory / "expected.json",
        {
            "producer": f"onnxruntime {onnxruntime.__version__} (Python, CPUExecutionProvider)",
            "outputs": {key: tensor_json(value) for key, value in outputs.items()},
        },
    )
    write_json(directory / "quantized-reference.json", quantized_reference(model_path, inputs, outputs))
    model = onnx.load(str(model_path), load_external_data=False)
    row = {
        "fixture": name,
        "inputs": value_infos(model.graph.input),
        "outputs": value_infos(model.graph.output),
        "bytes": model_bytes(model_path),
        "opsets": opsets(model),
        "ir_version": model.ir_version,
        "external_data": bool(external_tensors(model)),
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        **about,
    }
    print(f"{name}: {row['bytes']} bytes, opsets {row['opsets']}, external data {row['external_data']}")
    return row


def export_default(module: nn.Module, args: tuple, path: Path, **options) -> None:
    """PyTorch 2.x's default export: the torch.export-based (dynamo) exporter, weights in model.onnx.data."""
    torch.onnx.export(module, args, str(path), dynamo=True, external_data=True, **options)
    if not external_tensors(onnx.load(str(path), load_external_data=False)):
        # The exporter keeps tiny graphs inline; the fixture exists to carry external data.
        model = onnx.load(str(path))
        onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                  location=path.name + ".data", size_threshold=0)


def export_legacy(module: nn.Module, args: tuple, path: Path, **options) -> None:
    """The TorchScript exporter (dynamo=False): what PyTorch 1.x code and most tutorials still produce."""
    torch.onnx.export(module, args, str(path), dynamo=False, **options)


def train(module: nn.Module, batches, steps: int, lr: float) -> float:
    optimizer = torch.optim.AdamW(module.parameters(), lr=lr)
    module.train()
    loss_value = math.nan
    for _ in range(steps):
        inputs, target = next(batches)
        loss = nn.functional.cross_entropy(module(*inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_value = float(loss.detach())
    module.eval()
    return loss_value


# ---------------------------------------------------------------- mlp

class Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers(features)


def make_mlp() -> dict:
    rng = seeded(1)
    centres = rng.normal(0, 2, size=(3, 8))

    def batches():
        while True:
            labels = rng.integers(0, 3, size=64)
            x = centres[labels] + rng.normal(0, 1.5, size=(64, 8))
            yield (torch.tensor(x, dtype=torch.float32),), torch.tensor(labels)

    model = Mlp()
    loss = train(model, batches(), steps=300, lr=1e-2)
    directory = fresh_dir("mlp")
    path = directory / "model.onnx"
    example = torch.zeros(2, 8)
    export_default(model, (example,), path, input_names=["features"], output_names=["logits"],
                   dynamic_shapes={"features": {0: torch.export.Dim("batch")}})
    sample = (centres[[0, 1, 2]] + rng.normal(0, 1.0, size=(3, 8))).astype(np.float32)
    return finish("mlp", path, {"features": sample}, {
        "stands_for": "a tabular PyTorch classifier: 8 float features -> 3-class logits",
        "made_by": "torch.onnx.export defaults (dynamo exporter), dynamic batch; trained 300 steps on 3 Gaussian clusters "
        f"(final loss {loss:.3f})",
    })


# ---------------------------------------------------------------- cnn

CNN_LABELS = [
    "red", "green", "blue", "horizontal-stripes", "vertical-stripes",
    "diagonal-stripes", "checkerboard", "disc", "square", "noise",
]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def pattern_image(label: int, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """A size x size RGB uint8 image of one of CNN_LABELS, with random colours, phase and noise."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    fg = rng.uniform(0, 255, size=3)
    bg = rng.uniform(0, 255, size=3)
    period = rng.uniform(4, 10)
    phase = rng.uniform(0, period)
    if label < 3:
        colour = rng.uniform(0, 70, size=3)
        colour[label] = rng.uniform(170, 255)
        mask = np.ones((size, size))
        fg, bg = colour, colour
    elif label == 3:
        mask = ((y + phase) % period) < period / 2
    elif label == 4:
        mask = ((x + phase) % period) < period / 2
    elif label == 5:
        mask = ((x + y + phase) % period) < period / 2
    elif label == 6:
        cell = rng.integers(3, 8)
        mask = ((x // cell) + (y // cell)) % 2 == 0
    elif label == 7:
        cy, cx, r = rng.uniform(10, 22), rng.uniform(10, 22), rng.uniform(5, 10)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r**2
    elif label == 8:
        top, left, side = rng.integers(2, 14), rng.integers(2, 14), rng.integers(8, 16)
        mask = (y >= top) & (y < top + side) & (x >= left) & (x < left + side)
    else:
        mask = rng.uniform(size=(size, size)) < 0.5
    if label >= 3 and np.abs(fg - bg).max() < 80:
        fg = 255 - bg
    image = np.where(np.asarray(mask, bool)[..., None], fg, bg) + rng.normal(0, 8, size=(size, size, 3))
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def normalise(image: np.ndarray) -> np.ndarray:
    """HWC uint8 -> CHW float32: x / 255, minus mean, over std (computed in float64, as JavaScript would)."""
    scaled = image.astype(np.float64) / 255.0
    normalised = (scaled - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    return normalised.transpose(2, 0, 1).astype(np.float32)


def write_png(path: Path, image: np.ndarray) -> None:
    """An 8-bit RGB PNG without filters, so every decoder gives back the same bytes."""
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


class Cnn(nn.Module):
    def __init__(self) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(
            *block(3, 16), nn.MaxPool2d(2), *block(16, 32), nn.MaxPool2d(2), *block(32, 64), nn.AdaptiveAvgPool2d(1)
        )
        self.classifier = nn.Linear(64, len(CNN_LABELS))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(pixel_values), 1))


def make_cnn() -> dict:
    rng = seeded(2)

    def batch(count: int):
        labels = rng.integers(0, len(CNN_LABELS), size=count)
        images = np.stack([normalise(pattern_image(int(label), rng)) for label in labels])
        return torch.tensor(images), torch.tensor(labels)

    def batches():
        while True:
            images, labels = batch(32)
            yield (images,), labels

    model = Cnn()
    loss = train(model, batches(), steps=300, lr=3e-3)
    held_out, held_out_labels = batch(500)
    with torch.no_grad():
        accuracy = float((model(held_out).argmax(1) == held_out_labels).float().mean())
    directory = fresh_dir("cnn")
    path = directory / "model.onnx"
    export_default(model, (torch.zeros(2, 3, 32, 32),), path, input_names=["pixel_values"], output_names=["logits"],
                   dynamic_shapes={"pixel_values": {0: torch.export.Dim("batch")}})
    (directory / "labels.txt").write_text("\n".join(CNN_LABELS) + "\n")
    write_json(directory / "preprocessing.json", {
        "layout": "NCHW", "channels": "RGB", "height": 32, "width": 32,
        "scale": "1/255", "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
        "formula": "(pixel / 255 - mean[c]) / std[c], computed in float64 then rounded to float32",
    })
    image = pattern_image(CNN_LABELS.index("disc"), np.random.default_rng(SEED + 200))
    write_png(directory / "sample.png", image)
    # The same image as a JPEG (lossy: decoders differ slightly, so its tensor is whatever the decoder gives).
    Image.fromarray(image).save(directory / "sample.jpg", quality=95)
    return finish("cnn", path, {"pixel_values": normalise(image)[None]}, {
        "stands_for": "an image classifier (Conv2d/BatchNorm/ReLU/MaxPool, global pool, Linear)",
        "made_by": "torch.onnx.export defaults (dynamo exporter), dynamic batch; trained 300 steps on generated "
        f"32x32 pattern images (held-out accuracy {accuracy:.3f}); sample.json is sample.png normalised",
    })


# ---------------------------------------------------------------- wordpiece vocabulary and encoder

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCAB_SIZE = 1000
MAX_POSITIONS = 64


def is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F
    )


def basic_tokenize(text: str) -> list[str]:
    """BERT's BasicTokenizer (uncased): clean, split CJK, lower-case, strip accents, split punctuation."""
    cleaned = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or is_control(char):
            continue
        if is_cjk(code):
            cleaned.append(f" {char} ")
        elif char.isspace() or unicodedata.category(char) == "Zs":
            cleaned.append(" ")
        else:
            cleaned.append(char)
    tokens = []
    for word in "".join(cleaned).split():
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        current = ""
        for char in word:
            if is_punctuation(char):
                if current:
                    tokens.append(current)
                tokens.append(char)
                current = ""
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


def wordpiece(word: str, vocab: dict[str, int]) -> list[str]:
    """BERT's WordpieceTokenizer: greedy longest match, '##' continuations, [UNK] for the whole word."""
    if len(word) > 100:
        return ["[UNK]"]
    pieces = []
    start = 0
    while start < len(word):
        end = len(word)
        piece = None
        while start < end:
            candidate = word[start:end] if start == 0 else "##" + word[start:end]
            if candidate in vocab:
                piece = candidate
                break
            end -= 1
        if piece is None:
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text: str, vocab: dict[str, int]) -> list[str]:
    return [piece for word in basic_tokenize(text) for piece in wordpiece(word, vocab)]


def encode(text: str, vocab: dict[str, int], max_length: int = MAX_POSITIONS) -> list[int]:
    """[CLS] pieces [SEP], pieces truncated so the whole fits max_length."""
    pieces = tokenize(text, vocab)[: max_length - 2]
    return [vocab["[CLS]"]] + [vocab[piece] for piece in pieces] + [vocab["[SEP]"]]


def pad_batch(sequences: list[list[int]]) -> dict[str, np.ndarray]:
    length = max(len(sequence) for sequence in sequences)
    ids = np.zeros((len(sequences), length), dtype=np.int64)
    mask = np.zeros((len(sequences), length), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def email_text(raw: str) -> str:
    """Subject and body of a raw email, HTML tags and entities removed."""
    head, _, body = raw.partition("\n\n")
    subject = next((line[8:] for line in head.splitlines() if line.lower().startswith("subject:")), "")
    body = re.sub(r"<[^>]*>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(f"{subject} {body}")).strip()


def load_emails() -> list[tuple[str, int]]:
    """The 2002 SpamAssassin collection (easy-ham-1, spam-1), ordered by group and file name."""
    emails = []
    for group, label in (("easy-ham-1", 0), ("spam-1", 1)):
        for path in sorted((SPAM_ASSASSIN / group).glob("*.json")):
            emails.append((email_text(json.loads(path.read_text())["text"]), label))
    return emails


def learn_vocab(texts: list[str]) -> list[str]:
    """A WordPiece vocabulary learnt the way HF's WordPiece trainer does: BPE merges over words, '##' inside."""
    counts = Counter(word for text in texts for word in basic_tokenize(text))
    alphabet = Counter()
    for word, count in counts.items():
        for index, char in enumerate(word):
            alphabet[char if index == 0 else "##" + char] += count
    vocab = SPECIAL_TOKENS + [symbol for symbol, count in sorted(alphabet.items()) if count >= 20]
    known = set(vocab)
    words = {
        word: [char if index == 0 else "##" + char for index, char in enumerate(word)]
        for word, count in counts.most_common(6000)
        if len(word) <= 30
    }
    words = {word: symbols for word, symbols in words.items() if all(symbol in known for symbol in symbols)}
    while len(vocab) < VOCAB_SIZE:
        pairs: Counter = Counter()
        for word, symbols in words.items():
            for left, right in zip(symbols, symbols[1:]):
                pairs[left, right] += counts[word]
        if not pairs:
            break
        # Most frequent pair; ties broken by the pair itself so the vocabulary is deterministic.
        (left, right), _ = max(pairs.items(), key=lambda item: (item[1], item[0]))
        merged = left + right[2:]
        for word, symbols in words.items():
            index = 0
            while index < len(symbols) - 1:
                if symbols[index] == left and symbols[index + 1] == right:
                    symbols[index : index + 2] = [merged]
                index += 1
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
    return vocab


class EncoderLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, intermediate: int) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, hidden: torch.Tensor, attention_bias: torch.Tensor) -> torch.Tensor:
        batch, length, width = hidden.shape
        head_width = width // self.heads

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, length, self.heads, head_width).transpose(1, 2)

        q, k, v = split(self.query(hidden)), split(self.key(hidden)), split(self.value(hidden))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_width) + attention_bias
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, width)
        hidden = self.attention_norm(hidden + self.attention_output(context))
        return self.output_norm(hidden + self.output(nn.functional.gelu(self.intermediate(hidden))))


class Encoder(nn.Module):
    """BERT in miniature: word + position + token type embeddings, post-norm layers, tanh pooler on [CLS]."""

    def __init__(self, vocab_size: int, hidden: int = 64, layers: int = 2, heads: int = 2) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(MAX_POSITIONS, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.register_buffer("position_ids", torch.arange(MAX_POSITIONS)[None], persistent=False)
        self.layers = nn.ModuleList(EncoderLayer(hidden, heads, hidden * 4) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        length = input_ids.shape[1]
        hidden = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(self.position_ids[:, :length])
            + self.token_type_embeddings(token_type_ids)
        )
        hidden = self.embedding_norm(hidden)
        mask = attention_mask.to(hidden.dtype)
        bias = (1.0 - mask[:, None, None, :]) * -10000.0
        for layer in self.layers:
            hidden = layer(hidden, bias)
        logits = self.classifier(torch.tanh(self.pooler(hidden[:, 0])))
        weights = mask[..., None]
        embedding = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return logits, embedding


ENCODER_SAMPLE_TEXTS = [
    "Congratulations! You have been selected to receive a FREE vacation. Click here to claim your prize now.",
    "Can we move Thursday's meeting to the afternoon? The build server is down again.",
]

TOKENIZER_CASES = [
    "Hello, World!",
    "Café déjà vu: naïve résumé",
    "  tabs\tand\nnew lines   ",
    "don't stop-believing... (really)",
    "unsubscribe@example.com http://www.example.com/offer?id=42",
    "ZZZZQQQXXX",
    "supercalifragilisticexpialidocious",
    "",
    "数学 and 日本語",
    "$$$ 100% GUARANTEED!!!",
    "word " * 80,
]


def make_encoder() -> dict:
    rng = seeded(3)
    emails = load_emails()
    order = rng.permutation(len(emails))
    held_out = [emails[index] for index in order[:500]]
    training = [emails[index] for index in order[500:]]
    vocab_list = learn_vocab([text for text, _ in training])
    vocab = {token: index for index, token in enumerate(vocab_list)}
    encoded_training = [(encode(text, vocab), label) for text, label in training]

    def batches():
        while True:
            picked = rng.integers(0, len(encoded_training), size=32)
            feeds = pad_batch([encoded_training[index][0] for index in picked])
            labels = torch.tensor([encoded_training[index][1] for index in picked])
            yield tuple(torch.tensor(feeds[key]) for key in ("input_ids", "attention_mask", "token_type_ids")), labels

    model = Encoder(len(vocab_list))
    module = ClassifierOnly(model)
    loss = train(module, batches(), steps=400, lr=2e-3)
    with torch.no_grad():
        correct = 0
        for start in range(0, len(held_out), 50):
            chunk = held_out[start : start + 50]
            feeds = pad_batch([encode(text, vocab) for text, _ in chunk])
            logits, _ = model(*(torch.tensor(feeds[key]) for key in ("input_ids", "attention_mask", "token_type_ids")))
            correct += int((logits.argmax(1) == torch.tensor([label for _, label in chunk])).sum())
    accuracy = correct / len(held_out)
    spam_share = sum(label for _, label in held_out) / len(held_out)

    directory = fresh_dir("encoder")
    (directory / "vocab.txt").write_text("\n".join(vocab_list) + "\n")
    (directory / "labels.txt").write_text("ham\nspam\n")
    write_json(directory / "tokenizer-cases.json", {
        "about": "BERT BasicTokenizer (do_lower_case=True, strip accents, CJK split) + greedy longest-match "
        f"WordPiece over vocab.txt, [CLS] ... [SEP], truncated to {MAX_POSITIONS} ids; as scripts/zoo/make_zoo.py "
        "tokenizes (same algorithm as transformers' BertTokenizer)",
        "max_length": MAX_POSITIONS,
        "cases": [
            {"text": text, "tokens": tokenize(text, vocab), "input_ids": encode(text, vocab)}
            for text in TOKENIZER_CASES + ENCODER_SAMPLE_TEXTS
        ],
    })
    write_json(directory / "tokenizer.json", {
        "vocab": "vocab.txt", "lowercase": True, "strip_accents": True, "max_length": MAX_POSITIONS,
        "cls": "[CLS]", "sep": "[SEP]", "pad": "[PAD]", "unk": "[UNK]", "max_input_chars_per_word": 100,
        "sample_texts": ENCODER_SAMPLE_TEXTS,
        "sample": "sample.json holds sample_texts tokenized, padded with [PAD] (id 0) to the longer one, token types 0",
    })
    path = directory / "model.onnx"
    example = pad_batch([encode(text, vocab) for text in ENCODER_SAMPLE_TEXTS])
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=MAX_POSITIONS)
    axes = {0: batch, 1: sequence}
    export_default(
        model,
        tuple(torch.tensor(example[key]) for key in ("input_ids", "attention_mask", "token_type_ids")),
        path,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits", "pooled_embedding"],
        dynamic_shapes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
    )
    return finish("encoder", path, example, {
        "stands_for": "a BERT-style text encoder (word pieces, 2 layers, 2 heads, hidden 64, 64 positions)",
        "made_by": "torch.onnx.export defaults (dynamo exporter), dynamic batch and sequence; vocab.txt learnt from "
        f"SpamAssassin 2002 mails, trained 400 steps on ham vs spam (final loss {loss:.3f}, held-out accuracy "
        f"{accuracy:.3f} on 500 mails, {spam_share:.0%} spam)",
    })


class ClassifierOnly(nn.Module):
    def __init__(self, encoder: Encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, *inputs):
        return self.encoder(*inputs)[0]


# ---------------------------------------------------------------- constants (Paddle2ONNX style)

class SmallRecogniser(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.pool(torch.relu(self.norm(self.conv(x)))).reshape(-1, 8)
        return torch.softmax(features @ self.fc.weight.T + self.fc.bias, dim=-1)


PADDLE_OUTPUT = "save_infer_model/scale_0.tmp_0"


def initializers_to_constants(model: onnx.ModelProto) -> onnx.ModelProto:
    """Every initializer becomes a Constant node at the head of the graph, named as Paddle names them."""
    graph = model.graph
    renames = {}
    constants = []
    for index, tensor in enumerate(graph.initializer):
        new_name = f"{'conv2d' if tensor.dims and len(tensor.dims) == 4 else 'param'}_{index}.w_0"
        renames[tensor.name] = new_name
        value = numpy_helper.to_array(tensor)
        constants.append(helper.make_node("Constant", [], [new_name], name=f"Constant_{index}",
                                          value=numpy_helper.from_array(value, new_name)))
    for node in graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
    nodes = constants + list(graph.node)
    del graph.initializer[:]
    del graph.node[:]
    graph.node.extend(nodes)
    inputs = [value for value in graph.input if value.name not in renames]
    del graph.input[:]
    graph.input.extend(inputs)
    return model


def make_constants() -> dict:
    rng = seeded(4)
    model = SmallRecogniser()
    with torch.no_grad():
        # Running statistics of a trained network rather than the identity of a fresh BatchNorm.
        model.norm.running_mean.uniform_(-0.5, 0.5)
        model.norm.running_var.uniform_(0.5, 2.0)
    model.eval()
    directory = fresh_dir("constants")
    path = directory / "model.onnx"
    export_legacy(model, (torch.zeros(1, 3, 16, 16),), path, opset_version=11, input_names=["x"],
                  output_names=[PADDLE_OUTPUT], dynamic_axes={"x": {0: "batch"}, PADDLE_OUTPUT: {0: "batch"}})
    converted = initializers_to_constants(onnx.load(str(path)))
    converted.producer_name, converted.producer_version = "PaddlePaddle-style (vane zoo)", ""
    onnx.save(converted, str(path))
    sample = rng.normal(0, 1, size=(2, 3, 16, 16)).astype(np.float32)
    return finish("constants", path, {"x": sample}, {
        "stands_for": "weights in Constant nodes, no initializers (PaddleOCR / Paddle2ONNX exports); opset 11",
        "made_by": "TorchScript exporter (opset 11, BatchNorm folded into Conv), then every initializer moved into a "
        "Constant node with the onnx API; Paddle's output name",
    })


# ---------------------------------------------------------------- multi (recommendation)

class Recommender(nn.Module):
    def __init__(self, users: int = 1000, items: int = 5000, width: int = 16) -> None:
        super().__init__()
        self.user_embeddings = nn.Embedding(users, width)
        self.item_embeddings = nn.Embedding(items, width)
        self.context = nn.Linear(4, width)
        self.head = nn.Sequential(nn.Linear(3 * width, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, user_id, item_ids, context):
        user = self.user_embeddings(user_id)
        item_embedding = self.item_embeddings(item_ids).mean(1)
        joined = torch.cat([user, item_embedding, torch.relu(self.context(context))], dim=1)
        score = torch.sigmoid(self.head(joined)).squeeze(-1)
        return score, item_embedding


def make_multi() -> dict:
    rng = seeded(5)
    model = Recommender().eval()
    directory = fresh_dir("multi")
    path = directory / "model.onnx"
    batch = {0: "batch"}
    export_legacy(
        model,
        (torch.zeros(2, dtype=torch.int64), torch.zeros(2, 5, dtype=torch.int64), torch.zeros(2, 4)),
        path,
        opset_version=17,
        input_names=["user_id", "item_ids", "context"],
        output_names=["score", "item_embedding"],
        dynamic_axes={"user_id": batch, "item_ids": batch, "context": batch, "score": batch, "item_embedding": batch},
    )
    sample = {
        "user_id": np.array([17, 404, 999], dtype=np.int64),
        "item_ids": rng.integers(0, 5000, size=(3, 5)).astype(np.int64),
        "context": rng.uniform(0, 1, size=(3, 4)).astype(np.float32),
    }
    return finish("multi", path, sample, {
        "stands_for": "a recommendation model: int64 ids through embedding tables (Gather), several inputs and outputs",
        "made_by": "TorchScript exporter (torch.onnx.export(dynamo=False), opset 17, dynamic_axes), weights inline; "
        "random weights (seeded); user table 1000 x 16, item table 5000 x 16",
    })


# ---------------------------------------------------------------- sklearn (ai.onnx.ml)

def make_sklearn() -> dict:
    seeded(6)
    iris = load_iris()
    features = iris.data.astype(np.float32)
    scaler = StandardScaler().fit(features)
    classifier = LogisticRegression(max_iter=1000).fit(scaler.transform(features), iris.target)
    # The graph skl2onnx writes for Pipeline([StandardScaler, LogisticRegression]) with zipmap=False.
    scaler_node = helper.make_node(
        "Scaler", ["float_input"], ["variable"], domain="ai.onnx.ml", name="Scaler",
        offset=scaler.mean_.astype(np.float32).tolist(), scale=(1.0 / scaler.scale_).astype(np.float32).tolist())
    classifier_node = helper.make_node(
        "LinearClassifier", ["variable"], ["label", "probability_tensor"], domain="ai.onnx.ml",
        name="LinearClassifier", classlabels_ints=classifier.classes_.tolist(),
        coefficients=classifier.coef_.astype(np.float32).ravel().tolist(),
        intercepts=classifier.intercept_.astype(np.float32).tolist(), multi_class=1, post_transform="SOFTMAX")
    inputs = [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, 4])]
    label = helper.make_tensor_value_info("label", TensorProto.INT64, [None])

    def pipeline(nodes: list, outputs: list) -> onnx.ModelProto:
        graph = helper.make_graph(nodes, "pipeline_logistic_regression", inputs, [label, *outputs])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)],
                                 ir_version=8, producer_name="skl2onnx-style (vane zoo)",
                                 producer_version=f"scikit-learn {sklearn.__version__}")

    model = pipeline(
        [scaler_node, classifier_node, helper.make_node("Identity", ["probability_tensor"], ["probabilities"])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])],
    )
    # skl2onnx's default (zipmap=True): probabilities as a sequence of {class: probability} maps.
    probability_maps = helper.make_sequence_type_proto(
        helper.make_map_type_proto(TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, [])))
    zipmap_model = pipeline(
        [scaler_node, classifier_node,
         helper.make_node("ZipMap", ["probability_tensor"], ["output_probability"], domain="ai.onnx.ml",
                          classlabels_int64s=classifier.classes_.tolist())],
        [helper.make_value_info("output_probability", probability_maps)],
    )
    directory = fresh_dir("sklearn")
    path = directory / "model.onnx"
    onnx.save(model, str(path))
    onnx.checker.check_model(zipmap_model, full_check=True)
    onnx.save(zipmap_model, str(directory / "model-zipmap.onnx"))
    (directory / "labels.txt").write_text("\n".join(iris.target_names) + "\n")
    sample = features[[0, 60, 120, 77]]
    probabilities = classifier.predict_proba(scaler.transform(sample))
    row = finish("sklearn", path, {"float_input": sample}, {
        "stands_for": "a scikit-learn pipeline converted by skl2onnx: ai.onnx.ml Scaler -> LinearClassifier",
        "made_by": "onnx.helper, node for node what skl2onnx emits for StandardScaler + LogisticRegression "
        "(zipmap=False), fitted on scikit-learn's bundled iris data (skl2onnx is not installable here); "
        "model-zipmap.onnx is skl2onnx's default zipmap=True graph",
    })
    ort_probabilities = json.loads((directory / "expected.json").read_text())["outputs"]["probabilities"]["data"]
    assert np.allclose(np.array(ort_probabilities).reshape(probabilities.shape), probabilities, atol=1e-5)
    return row


# ---------------------------------------------------------------- large (text embedding, > 10 MB)

class TextEmbedder(nn.Module):
    def __init__(self, vocab: int = 20000, width: int = 128) -> None:
        super().__init__()
        self.embeddings = nn.Embedding(vocab, width)
        self.projection = nn.Sequential(nn.Linear(width, 256), nn.ReLU(), nn.Linear(256, width))

    def forward(self, input_ids, attention_mask):
        weights = attention_mask.to(torch.float32)[..., None]
        pooled = (self.embeddings(input_ids) * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(self.projection(pooled), dim=-1)


def make_large() -> dict:
    rng = seeded(7)
    model = TextEmbedder().eval()
    directory = fresh_dir("large")
    path = directory / "model.onnx"
    axes = {0: torch.export.Dim("batch"), 1: torch.export.Dim("sequence")}
    example = (torch.ones(2, 8, dtype=torch.int64), torch.ones(2, 8, dtype=torch.int64))
    export_default(model, example, path, input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                   dynamic_shapes={"input_ids": axes, "attention_mask": axes})
    ids = rng.integers(1, 20000, size=(2, 12)).astype(np.int64)
    mask = np.ones_like(ids)
    ids[1, 7:] = 0
    mask[1, 7:] = 0
    return finish("large", path, {"input_ids": ids, "attention_mask": mask}, {
        "stands_for": "a text-embedding model over 10 MB (20000 x 128 embedding table, mean pool, 2 Linear, L2 norm)",
        "made_by": "torch.onnx.export defaults (dynamo exporter), dynamic batch and sequence; random weights (seeded)",
    })


# ---------------------------------------------------------------- README

def describe(values: list[dict]) -> str:
    def dims(value: dict) -> str:
        return ", ".join("?" if dim is None else str(dim) for dim in value["dims"])

    return "<br>".join(f"`{value['name']}` {value['dtype']} [{dims(value)}]" for value in values)


def describe_quantization(fixture: str) -> str:
    report = json.loads((ZOO / fixture / "quantized-reference.json").read_text())
    failures = "; ".join(
        f"{a['preprocessing']}: {a['status']} ({a['error'][:90]})" for a in report["attempts"] if a["status"] != "ok"
    )
    reference = report["reference"]
    if reference is None:
        return f"no configuration works: {failures}"
    error = max(reference["max_abs_error"].values())
    made = (
        f"{reference['bytes']:,} bytes ({reference['weight_type']}, per-{'channel' if reference['per_channel'] else 'tensor'}, "
        f"preprocessing {reference['preprocessing']}), max abs error {error:.2g}"
    )
    return f"{made}; before that: {failures}" if failures else made


def write_readme(rows: list[dict]) -> None:
    lines = [
        "# Fixture model zoo",
        "",
        "Small ONNX graphs made the way users make them, for the tests and benchmarks of bring-your-own-model.",
        "Generated by `scripts/zoo/make_zoo.py` (see `scripts/zoo/README.md` to rerun it); do not edit by hand.",
        "",
        "Every fixture directory holds `model.onnx` (and `model.onnx.data` where the weights are external),",
        "`sample.json` (one request: `{\"inputs\": {name: {dims, dtype, data}}}`), `expected.json` (onnxruntime's",
        "outputs for it, same shape of JSON under `outputs`; compare within 1e-4) and `quantized-reference.json`",
        "(what `onnxruntime.quantization.quantize_dynamic` makes of the model: bytes, ops, max abs output error",
        "against fp32 on the sample; `reference` is the first configuration that quantizes and runs).",
        "",
        "| fixture | stands for | inputs | outputs | bytes | opsets | external data | made by | ORT quantize_dynamic |",
        "|---|---|---|---|---:|---|---|---|---|",
    ]
    for row in rows:
        opset_text = ", ".join(f"{domain} {version}" for domain, version in row["opsets"].items())
        lines.append(
            f"| `{row['fixture']}` | {row['stands_for']} | {describe(row['inputs'])} | {describe(row['outputs'])} | "
            f"{row['bytes']:,} | {opset_text} | {'yes' if row['external_data'] else 'no'} | {row['made_by']} | "
            f"{describe_quantization(row['fixture'])} |"
        )
    lines += [
        "",
        "Extra files: `cnn/labels.txt`, `cnn/preprocessing.json` (mean/std, layout), `cnn/sample.png` (the image",
        "sample.json was normalised from) and `cnn/sample.jpg` (the same image as a JPEG, quality 95);",
        "`encoder/vocab.txt` (BERT format), `encoder/labels.txt`, `encoder/tokenizer.json` (the tokenizer's settings",
        "and the texts sample.json encodes) and `encoder/tokenizer-cases.json` (texts with the tokens and ids BERT's",
        "tokenizer gives for them);",
        "`sklearn/labels.txt` and `sklearn/model-zipmap.onnx` (the same pipeline as skl2onnx writes it by default,",
        "zipmap=True: `output_probability` is a sequence of maps).",
        "",
        "onnxruntime-web (wasm, the Worker's build) runs every fixture, ai.onnx.ml's Scaler and LinearClassifier",
        "included; it cannot return ZipMap's sequence-of-maps output (`Reading data from non-tensor typed value is",
        "not supported`), so only tensor outputs can be served (test/node/zoo.test.ts checks both).",
        "",
        f"Made with torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}, "
        f"scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]}.",
        "",
    ]
    (ZOO / "README.md").write_text("\n".join(lines))


MAKERS = {
    "mlp": make_mlp,
    "cnn": make_cnn,
    "encoder": make_encoder,
    "constants": make_constants,
    "multi": make_multi,
    "sklearn": make_sklearn,
    "large": make_large,
}


def main() -> None:
    wanted = sys.argv[1:] or list(MAKERS)
    ZOO.mkdir(parents=True, exist_ok=True)
    rows_path = ZOO / "fixtures.json"
    rows = {row["fixture"]: row for row in json.loads(rows_path.read_text())} if rows_path.exists() else {}
    for name in wanted:
        rows[name] = MAKERS[name]()
        # Saved after every fixture, so a failure later on keeps what was made.
        ordered = [rows[known] for known in MAKERS if known in rows]
        write_json(rows_path, ordered)
        write_readme(ordered)
    digest = hashlib.sha256()
    for path in sorted(ZOO.rglob("*")):
        if path.is_file() and path.suffix in (".onnx", ".data"):
            digest.update(path.read_bytes())
    print("sha256 of every model file:", digest.hexdigest())


if __name__ == "__main__":
    # quant_pre_process and onnx's shape inference leave scratch files in the working directory.
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        main()
