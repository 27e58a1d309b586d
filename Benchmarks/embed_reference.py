"""A numpy reference of all-MiniLM-L6-v2 (BERT, mean pooling, L2), for Benchmarks/embed.sh:
the same model file, Hugging Face `tokenizers` for the ids, numpy's BLAS for the products,
batches padded to their longest line as sentence-transformers does. Prints sentences/s
(encoding only, after loading) and writes the vectors for a cross-check.
usage: embed_reference.py MODEL_DIR LINES_FILE BATCH OUT.npy [OTHER.jsonl]
With OTHER.jsonl (one JSON array per line, e.g. Pantry's vectors of the same lines), also prints
the largest absolute difference between the two sets of vectors."""
import json, struct, sys, time
import numpy as np
from tokenizers import Tokenizer

model, lines_file, batch, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(f"{model}/model.safetensors", "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
W = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32).reshape(v["shape"])
     for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32"}
tok = Tokenizer.from_file(f"{model}/tokenizer.json")
tok.no_padding()
tok.enable_truncation(256)
lines = [l.rstrip("\n") for l in open(lines_file)]

def ln(x, p):
    m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-12) * W[p + ".weight"] + W[p + ".bias"]

def gelu(x):
    from math import sqrt
    return 0.5 * x * (1 + erf(x / sqrt(2)))

try:
    from scipy.special import erf
except ImportError:
    erf = np.vectorize(__import__("math").erf)

def encode(ids):
    B, L = len(ids), max(len(i) for i in ids)
    mask = np.zeros((B, L), np.float32); tokens = np.zeros((B, L), np.int64)
    for b, i in enumerate(ids): tokens[b, :len(i)] = i; mask[b, :len(i)] = 1
    x = W["embeddings.word_embeddings.weight"][tokens] + W["embeddings.position_embeddings.weight"][:L] + W["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    bias = (1 - mask)[:, None, None, :] * -1e9
    for l in range(6):
        p = f"encoder.layer.{l}."
        def lin(x, name): return x @ W[p + name + ".weight"].T + W[p + name + ".bias"]
        q, k, v = (lin(x, f"attention.self.{n}").reshape(B, L, 12, 32).transpose(0, 2, 1, 3) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(32) + bias
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        c = (s @ v).transpose(0, 2, 1, 3).reshape(B, L, 384)
        x = ln(x + lin(c, "attention.output.dense"), p + "attention.output.LayerNorm")
        x = ln(x + lin(gelu(lin(x, "intermediate.dense")), "output.dense"), p + "output.LayerNorm")
    e = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return e / np.linalg.norm(e, axis=1, keepdims=True)

start = time.perf_counter()
vectors = [encode([e.ids for e in tok.encode_batch(lines[i:i + batch])]) for i in range(0, len(lines), batch)]
seconds = time.perf_counter() - start
np.save(out, np.concatenate(vectors))
print(f"{len(lines) / seconds:.1f}")
if len(sys.argv) > 5:
    other = np.array([json.loads(l) for l in open(sys.argv[5])])
    print(f"{np.abs(other - np.concatenate(vectors)).max():.2e}")
