extension IndexBench {
    /// The same measurements with hnswlib (Python), for the side-by-side lines: same files,
    /// same M/efConstruction, one thread, best of 3 passes of single queries per ef.
    /// Arguments: base queries truth metric k M efConstruction efs limit format threads index
    /// (a file to load the index from when it exists, else to save it to; empty: neither).
    static let hnswlibScript = #"""
import sys, time, json
try:
    import numpy as np, hnswlib
except Exception as e:
    print(f"hnswlib not importable ({e}); skipping the reference"); sys.exit(0)
import os
base_path, query_path, truth_path, metric, k, M, efc, efs, limit, fmt, threads, index_path = sys.argv[1:13]
k, M, efc, limit, threads = int(k), int(M), int(efc), int(limit), int(threads)
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) * 1024
    return 0
def read(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    d = int(raw[0]); rows = raw.reshape(-1, d + 1)[:, 1:]
    return rows.view(dtype) if dtype == np.float32 else rows
base = read(base_path, np.float32); queries = read(query_path, np.float32); truth = read(truth_path, np.int32)[:, :k]
if limit: base = base[:limit]
space = {"l2": "l2", "ip": "ip", "cosine": "cosine"}[metric]
rss_before = rss()
index = hnswlib.Index(space=space, dim=base.shape[1])
loaded = bool(index_path) and os.path.exists(index_path)
if loaded:
    t0 = time.perf_counter()
    index.load_index(index_path, max_elements=len(base))
    build, cpu = 0.0, 0.0
    load_s = time.perf_counter() - t0
else:
    index.init_index(max_elements=len(base), M=M, ef_construction=efc, random_seed=100)
    t0, c0 = time.perf_counter(), time.process_time()
    index.add_items(base, np.arange(len(base)), num_threads=threads)
    build, cpu = time.perf_counter() - t0, time.process_time() - c0
    if index_path: index.save_index(index_path)
index.set_num_threads(1)
growth = rss() - rss_before
index_bytes = len(base) * (base.shape[1] * 4 + (2 * M + 1) * 4 + 8) # level-0 block + label per element, as hnswlib allocates
def out(fields, text):
    print(json.dumps(fields, sort_keys=True) if fmt == "json" else text, flush=True)
if loaded:
    out({"lib": "hnswlib", "phase": "load", "load_s": load_s}, f"hnswlib loaded {index_path} in {load_s:.3f} s")
else:
    out({"lib": "hnswlib", "phase": "build", "n": len(base), "threads": threads, "build_s": build, "build_cpu_s": cpu, "index_bytes": index_bytes, "rss_growth_bytes": growth},
        f"hnswlib build {len(base)} × {base.shape[1]}, {threads} thread(s): {build:.1f} s wall, {cpu:.1f} s CPU; index ≈{index_bytes/1048576:.1f} MiB (resident growth {growth/1048576:.1f} MiB)")
for ef in map(int, efs.split(",")):
    index.set_ef(max(ef, k))
    best = 0.0
    for _ in range(3):
        found = []
        t = time.perf_counter()
        for q in queries:
            labels, _ = index.knn_query(q, k=k)
            found.append(labels[0])
        best = max(best, len(queries) / (time.perf_counter() - t))
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth))
    recall = hits / truth.size
    out({"lib": "hnswlib", "ef": ef, "recall": recall, "qps": best, "build_s": build, "index_bytes": index_bytes},
        f"hnswlib ef {ef:4d}  recall@{k} {recall:.4f}  {best:9.0f} queries/s")
"""#
}
