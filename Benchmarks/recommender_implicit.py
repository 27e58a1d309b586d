"""The `implicit` library's ALS on the same MovieLens-100k split as `pantry evaluate`, as the
reference for Pantry's ALS: fit seconds on one thread and test NDCG@10 of its user factors.

The split is the evaluation protocol re-implemented from its definition (ratings >= 4 are
positives; per user, positives ordered by (time, splitmix64 tie-break, item id); users with >= 10
positives hold out their last 5). implicit's confidence is the matrix value, so Pantry's
c = 1 + alpha is given as the value 1 + alpha.
usage: recommender_implicit.py ML100K_DIR FACTORS ITERATIONS REGULARIZATION ALPHA REPEATS
"""
import math, sys, time
import numpy as np, scipy.sparse as sp
from threadpoolctl import threadpool_limits
import implicit

M64 = (1 << 64) - 1
def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)

def split(rows):
    by_user = {}
    for u, i, t in rows: by_user.setdefault(u, []).append((t, splitmix64((42 * 0x9E3779B97F4A7C15 + (u << 32) + i) & M64), i))
    train, test = [], {}
    for u in sorted(by_user):
        ordered = [i for _, _, i in sorted(by_user[u])]
        if len(ordered) >= 10:
            train += [(u, i) for i in ordered[:-5]]; test[u] = set(ordered[-5:])
        else:
            train += [(u, i) for i in ordered]
    return train, test

directory, factors, iterations, reg, alpha, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
rows, items = [], set()
with open(f"{directory}/ml-100k.inter") as f:
    next(f)
    for line in f:
        u, i, r, t = line.rstrip("\n").split("\t")
        items.add(int(i))
        if float(r) >= 4: rows.append((int(u), int(i), int(float(t))))
with open(f"{directory}/ml-100k.item") as f:
    next(f)
    for line in f: items.add(int(line.split("\t")[0]))
train, test = split(rows)
users = sorted({u for u, _ in train}); item_ids = sorted(items)
upos = {u: k for k, u in enumerate(users)}; ipos = {i: k for k, i in enumerate(item_ids)}
x = sp.csr_matrix((np.full(len(train), 1 + alpha, dtype=np.float32), ([upos[u] for u, _ in train], [ipos[i] for _, i in train])),
                  shape=(len(users), len(item_ids)))
best, model = float("inf"), None
with threadpool_limits(1):
    for _ in range(repeats):
        m = implicit.cpu.als.AlternatingLeastSquares(factors=factors, regularization=reg, alpha=1.0, iterations=iterations,
                                                     use_cg=True, num_threads=1, random_state=7, calculate_training_loss=False)
        t0 = time.perf_counter(); m.fit(x, show_progress=False); best = min(best, time.perf_counter() - t0); model = m
ndcg = 0.0
for u, truth in test.items():
    scores = model.item_factors @ model.user_factors[upos[u]]
    scores[x[upos[u]].indices] = -np.inf  # a user's training positives are never recommended
    top = [item_ids[j] for j in np.argsort(-scores, kind="stable")[:10]]
    dcg = sum(1 / math.log2(r + 2) for r, i in enumerate(top) if i in truth)
    ndcg += dcg / sum(1 / math.log2(r + 2) for r in range(min(10, len(truth))))
print(f"implicit {implicit.__version__} ALS ({factors} factors, {iterations} iterations, CG, 1 thread): "
      f"fit {best:.3f} s (best of {repeats}); test NDCG@10 of user factors {ndcg / len(test):.4f} ({len(test)} users, {len(train)} train rows)")
