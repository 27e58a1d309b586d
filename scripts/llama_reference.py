#!/usr/bin/env python3
"""Generate reference vectors for the Inference tests with llama-cpp-python (llama.cpp).

Usage: python scripts/llama_reference.py [MODEL] > Tests/InferenceTests/Resources/llama_reference.json

Needs `pip install llama-cpp-python==0.3.36`. Writes tokenizer ids (special tokens parsed, no BOS,
as `pantry llm tokenize` does) and the top next-token logits of a few prompts.
"""
import json
import os
import sys

from llama_cpp import Llama

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".pantry/models/SmolLM2-135M-Instruct.Q4_1.gguf")

TEXTS = [
    "Hello world",
    "Hello, world! How are you?",
    " leading space",
    "  two leading spaces",
    "trailing space ",
    "trailing spaces   ",
    "multiple   spaces   between",
    "line one\nline two\n\nline four",
    "\n\n\n",
    "tabs\tand\ttabs",
    "mixed \t\n whitespace \n",
    "I have 3 apples and 12345 oranges, 3.14159 and 1,000,000.",
    "It's, they're, we've, I'm, you'll, he'd, don't",
    "IT'S UPPER CASE 'S",
    "Punctuation!!! ??? ... --- (brackets) [more] {braces} <angle>",
    "email@example.com https://example.com/path?q=1&x=2",
    "naïve café résumé über Straße",
    "日本語のテキストと中文文本",
    "한국어 텍스트",
    "Emoji: 😀👍🏽🎉 and ❤️",
    "Ελληνικά και русский текст",
    "def foo(x):\n    return x * 2\n",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>text<|im_end|>",
    "<|im_start|> spaced <|im_end|>",
    "a<|im_start|>b",
    "",
    " ",
    "½ ⅓ ² ³ Ⅻ ٣",
    "$100 €200 £300 ¥400",
    "\u00a0non-breaking\u00a0space",
    "x" * 50,
]

PROMPTS = [
    "The capital of France is",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
]


def main():
    vocab = Llama(model_path=MODEL, vocab_only=True, verbose=False)
    tokens = [{"text": t, "ids": vocab.tokenize(t.encode("utf-8"), add_bos=False, special=True)} for t in TEXTS]
    llm = Llama(model_path=MODEL, n_ctx=512, n_threads=2, logits_all=True, verbose=False)
    logits = []
    for p in PROMPTS:
        ids = llm.tokenize(p.encode("utf-8"), add_bos=False, special=True)
        llm.reset()
        llm.eval(ids)
        row = llm.scores[llm.n_tokens - 1]
        top = sorted(range(len(row)), key=lambda i: -row[i])[:10]
        logits.append({"prompt": p, "ids": ids, "top": [[i, round(float(row[i]), 4)] for i in top]})
    # Greedy continuation (token ids) for the first prompt.
    llm.reset()
    ids = llm.tokenize(PROMPTS[0].encode("utf-8"), add_bos=False, special=True)
    out = []
    for tok in llm.generate(ids, temp=0.0, top_k=1):
        out.append(tok)
        if len(out) == 16:
            break
    json.dump({"model": os.path.basename(MODEL), "tokenize": tokens, "logits": logits,
               "greedy": {"prompt": PROMPTS[0], "ids": out}}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
