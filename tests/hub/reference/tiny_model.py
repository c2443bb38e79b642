#!/usr/bin/python3
"""Tiny GPT-2- and LLaMA-architecture models for the hub's tests, and the
reference forward pass they are checked against.

Writes a GGUF file as llama.cpp lays it out (v3, its metadata keys and tensor
names, 32-byte alignment) with random weights in the asked storage type, and
the logits a plain numpy forward pass computes from the same (dequantized)
weights for a token sequence. Independent of the C++ engine and of the C++
test writer: only numpy and the GGUF and ggml format descriptions.

  tiny_model.py --arch gpt2|llama --type f32|f16|bf16|q8_0|q4_0 --out DIR
                [--embd 64 --layers 2 --heads 4 --kv-heads 2 --ff 128 --ctx 128 --seed 1]
                [--vocab-json FILE] [--no-reference]

--vocab-json: a real vocabulary instead of the tiny one learned here, as
{"tokens": [...], "merges": [...]} (gpt2) or {"tokens": [...], "scores": [...]}
(llama): model-shaped files for benchmarks. --no-reference: the file only.

DIR/model.gguf, DIR/reference.json {"tokens": [...], "vocab": n, "steps": n},
DIR/logits.f32 (steps x vocab, float32, every position's logits).
"""
import argparse
import json
import os
import struct

import numpy as np

GGML_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 8, "bf16": 30}
ALIGN = 32


# ---- storage types: bytes and the values they dequantize to -------------------------

def to_bf16(x):
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)  # round to nearest even
    return rounded


def quantize(w, kind):
    """(bytes, dequantized float32 array of w's shape)."""
    w = w.astype(np.float32)
    if kind == "f32":
        return w.tobytes(), w
    if kind == "f16":
        h = w.astype(np.float16)
        return h.tobytes(), h.astype(np.float32)
    if kind == "bf16":
        b = to_bf16(w)
        return b.tobytes(), (b.astype(np.uint32) << 16).view(np.float32).reshape(w.shape)
    blocks = w.reshape(-1, 32)
    if kind == "q8_0":
        d = (np.abs(blocks).max(axis=1) / 127.0).astype(np.float16)
        df = d.astype(np.float32)
        inv = np.divide(1.0, df, out=np.zeros_like(df), where=df != 0)
        q = np.round(blocks * inv[:, None]).astype(np.int8)
        raw = np.empty((len(blocks), 34), dtype=np.uint8)
        raw[:, :2] = d.view(np.uint8).reshape(-1, 2)
        raw[:, 2:] = q.view(np.uint8)
        return raw.tobytes(), (q.astype(np.float32) * df[:, None]).reshape(w.shape)
    if kind == "q4_0":
        idx = np.argmax(np.abs(blocks), axis=1)
        mx = blocks[np.arange(len(blocks)), idx]
        d = (mx / -8.0).astype(np.float16)
        df = d.astype(np.float32)
        inv = np.divide(1.0, df, out=np.zeros_like(df), where=df != 0)
        q = np.minimum(15, (blocks * inv[:, None] + 8.5).astype(np.int8)).astype(np.uint8)
        raw = np.empty((len(blocks), 18), dtype=np.uint8)
        raw[:, :2] = d.view(np.uint8).reshape(-1, 2)
        raw[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
        return raw.tobytes(), ((q.astype(np.float32) - 8.0) * df[:, None]).reshape(w.shape)
    raise ValueError(kind)


# ---- GGUF writer ----------------------------------------------------------------------

class Gguf:
    def __init__(self):
        self.kv = []
        self.tensors = []

    def add(self, key, vtype, value):
        self.kv.append((key, vtype, value))

    def tensor(self, name, array, kind):
        """array: numpy (rows, cols) or (n,); stored as ggml ne = reversed shape."""
        data, deq = quantize(array, kind if array.ndim == 2 else "f32")
        t = kind if array.ndim == 2 else "f32"
        self.tensors.append((name, list(reversed(array.shape)), GGML_TYPES[t], data))
        return deq

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def _value(self, vtype, value):
        if vtype == "u32":
            return struct.pack("<I", 4) + struct.pack("<I", value)
        if vtype == "f32":
            return struct.pack("<I", 6) + struct.pack("<f", value)
        if vtype == "bool":
            return struct.pack("<I", 7) + struct.pack("<B", 1 if value else 0)
        if vtype == "str":
            return struct.pack("<I", 8) + self._str(value)
        if vtype == "strs":
            return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(self._str(s) for s in value)
        if vtype == "f32s":
            return struct.pack("<IIQ", 9, 6, len(value)) + struct.pack("<%df" % len(value), *value)
        if vtype == "i32s":
            return struct.pack("<IIQ", 9, 5, len(value)) + struct.pack("<%di" % len(value), *value)
        raise ValueError(vtype)

    def write(self, path):
        head = b"GGUF" + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))
        for key, vtype, value in self.kv:
            head += self._str(key) + self._value(vtype, value)
        offset = 0
        datas = []
        for name, ne, t, data in self.tensors:
            head += self._str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
            head += struct.pack("<IQ", t, offset)
            pad = (-len(data)) % ALIGN
            datas.append(data + b"\0" * pad)
            offset += len(data) + pad
        head += b"\0" * ((-len(head)) % ALIGN)
        with open(path, "wb") as f:
            f.write(head)
            for d in datas:
                f.write(d)


# ---- safetensors and a Hugging Face folder ---------------------------------------------

def write_safetensors(path, tensors, kind):
    """tensors: name -> float array; matrices stored as `kind` (F32 / F16 /
    BF16), vectors and GPT-2's position table as F32, as in the GGUF file."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        a = np.ascontiguousarray(array, dtype=np.float32)
        if kind == "f32" or a.ndim == 1 or name == "wpe.weight":
            raw, dtype = a.tobytes(), "F32"
        elif kind == "f16":
            raw, dtype = a.astype(np.float16).tobytes(), "F16"
        else:
            raw, dtype = to_bf16(a).tobytes(), "BF16"
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((-len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def to_hf_rope(w, heads):
    """GGUF's Q/K rows (pairs 2i, 2i+1 turned together) back to Hugging Face's (i, i + d/2)."""
    out, cols = w.shape
    return w.reshape(heads, out // heads // 2, 2, cols).swapaxes(1, 2).reshape(out, cols)


def write_hf_folder(folder, a, W, tokens, merges, types):
    """The same weights as a Hugging Face checkpoint: config.json, model.safetensors, tokenizer.json."""
    os.makedirs(folder, exist_ok=True)
    t = {}
    if a.arch == "gpt2":
        config = {"model_type": "gpt2", "n_embd": a.embd, "n_layer": a.layers, "n_head": a.heads,
                  "n_positions": a.ctx, "n_inner": a.ff, "layer_norm_epsilon": 1e-5, "vocab_size": len(tokens),
                  "activation_function": "gelu_new", "license": "mit"}
        t["wte.weight"], t["wpe.weight"] = W["wte"], W["wpe"]
        for i, L in enumerate(W["layers"]):
            p = "h.%d." % i
            t[p + "ln_1.weight"], t[p + "ln_1.bias"] = L["g1"], L["b1"]
            t[p + "attn.c_attn.weight"], t[p + "attn.c_attn.bias"] = L["wqkv"].T, L["bqkv"]  # Conv1D: [in, out]
            t[p + "attn.c_proj.weight"], t[p + "attn.c_proj.bias"] = L["wo"].T, L["bo"]
            t[p + "ln_2.weight"], t[p + "ln_2.bias"] = L["g2"], L["b2"]
            t[p + "mlp.c_fc.weight"], t[p + "mlp.c_fc.bias"] = L["wup"].T, L["bup"]
            t[p + "mlp.c_proj.weight"], t[p + "mlp.c_proj.bias"] = L["wdown"].T, L["bdown"]
        t["ln_f.weight"], t["ln_f.bias"] = W["gf"], W["bf"]
    else:
        config = {"model_type": "llama", "hidden_size": a.embd, "num_hidden_layers": a.layers,
                  "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "intermediate_size": a.ff,
                  "max_position_embeddings": a.ctx, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                  "vocab_size": len(tokens), "hidden_act": "silu", "tie_word_embeddings": False}
        t["model.embed_tokens.weight"] = W["wte"]
        for i, L in enumerate(W["layers"]):
            p = "model.layers.%d." % i
            t[p + "input_layernorm.weight"] = L["g1"]
            t[p + "self_attn.q_proj.weight"] = to_hf_rope(L["wq"], a.heads)
            t[p + "self_attn.k_proj.weight"] = to_hf_rope(L["wk"], a.kv_heads)
            t[p + "self_attn.v_proj.weight"], t[p + "self_attn.o_proj.weight"] = L["wv"], L["wo"]
            t[p + "post_attention_layernorm.weight"] = L["g2"]
            t[p + "mlp.gate_proj.weight"], t[p + "mlp.up_proj.weight"] = L["wgate"], L["wup"]
            t[p + "mlp.down_proj.weight"] = L["wdown"]
        t["model.norm.weight"], t["lm_head.weight"] = W["gf"], W["wout"]
    write_safetensors(os.path.join(folder, "model.safetensors"), t, a.type)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    eot = len(tokens) - 1
    tokenizer = {"version": "1.0", "model": {"type": "BPE", "vocab": {tok: i for i, tok in enumerate(tokens[:-1])},
                                             "merges": merges},
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                   "use_regex": True},
                 "added_tokens": [{"id": eot, "content": tokens[eot], "special": True}]}
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": tokens[eot], "eos_token": tokens[eot], "add_bos_token": False}, f)


# ---- vocabularies ---------------------------------------------------------------------

def byte_stand_ins():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


CORPUS = ("to be or not to be that is the question whether tis nobler in the mind to suffer "
          "the slings and arrows of outrageous fortune or to take arms against a sea of troubles ") * 4


def gpt2_vocab(merges_wanted, ascii_only=False):
    """256 byte tokens (printable ASCII only with `ascii_only`: every text
    the model writes is then valid UTF-8), `merges_wanted` merges learned on
    CORPUS, <|endoftext|>."""
    m = byte_stand_ins()
    words = [[m[b] for b in (" " + w if i else w).encode()] for i, w in enumerate(CORPUS.split())]
    tokens = [m[b] for b in (range(32, 127) if ascii_only else range(256))]
    merges = []
    for _ in range(merges_wanted):
        counts = {}
        for w in words:
            for a, b in zip(w, w[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best[0] + " " + best[1])
        tokens.append(best[0] + best[1])
        for w in words:
            i = 0
            while i < len(w) - 1:
                if (w[i], w[i + 1]) == best:
                    w[i:i + 2] = [best[0] + best[1]]
                i += 1
    tokens.append("<|endoftext|>")
    types = [1] * (len(tokens) - 1) + [3]
    return tokens, merges, types


def llama_vocab(pieces_wanted):
    """<unk> <s> </s>, 256 <0xXX> byte tokens, then pieces of CORPUS best first."""
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    scores = [0.0] * len(tokens)
    chars = sorted(set(CORPUS.replace(" ", "\u2581")))
    words = ["\u2581" + w for w in CORPUS.split()]
    pieces = []
    for w in words:
        for n in range(2, len(w) + 1):
            if w[:n] not in pieces:
                pieces.append(w[:n])
    pieces = pieces[:pieces_wanted]
    for i, p in enumerate(chars + pieces):
        tokens.append(p)
        types.append(1)
        scores.append(-float(i))
    return tokens, scores, types


# ---- the models -----------------------------------------------------------------------

def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def rms_norm(x, g, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def attention(q, k, v, heads, kv_heads):
    """q: (T, H*d), k/v: (T, KV*d); causal; query head h reads kv head h // (H/KV)."""
    t, dim = q.shape
    d = dim // heads
    out = np.zeros_like(q)
    group = heads // kv_heads
    for h in range(heads):
        qh = q[:, h * d:(h + 1) * d]
        kh = k[:, (h // group) * d:(h // group + 1) * d]
        vh = v[:, (h // group) * d:(h // group + 1) * d]
        s = qh @ kh.T / np.sqrt(d)
        s = s + np.triu(np.full((t, t), -np.inf), 1)
        s = np.exp(s - s.max(-1, keepdims=True))
        out[:, h * d:(h + 1) * d] = (s / s.sum(-1, keepdims=True)) @ vh
    return out


def rope(x, heads, base, positions):
    """ggml's normal mode: pairs (2i, 2i+1) of each head turned by pos * base^(-2i/d)."""
    t, dim = x.shape
    d = dim // heads
    y = x.reshape(t, heads, d // 2, 2).copy()
    freq = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    ang = positions[:, None].astype(np.float64) * freq[None, :]
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    a, b = y[..., 0].copy(), y[..., 1].copy()
    y[..., 0] = a * c - b * s
    y[..., 1] = a * s + b * c
    return y.reshape(t, dim)


def random_matrix(rng):
    return lambda *s: (rng.standard_normal(s, dtype=np.float32) * 0.2)


def plain_matmul(x, w):
    return x @ w.T


def quantize_rows(x):
    """Each row's blocks of 32 as the engine quantizes a vector for its
    integer kernels: scale = max|x| / 127 and x / scale rounded (float32)."""
    x32 = np.asarray(x, dtype=np.float32).reshape(x.shape[0], -1, 32)
    d = (np.abs(x32).max(axis=2, keepdims=True) / np.float32(127)).astype(np.float32)
    inv = np.divide(np.float32(1), d, out=np.zeros_like(d), where=d != 0).astype(np.float32)
    q = np.round((x32 * inv).astype(np.float32))
    return (q.astype(np.float64) * d).reshape(x.shape)


def quantized_matmul(x, w):
    return quantize_rows(x) @ w.T


def build_gpt2(g, a, rng, kind):
    if a.vocab_json:
        v = json.load(open(a.vocab_json))
        tokens, merges = v["tokens"], v["merges"]
        types = [3 if t == "<|endoftext|>" else 1 for t in tokens]
    else:
        tokens, merges, types = gpt2_vocab(80, a.ascii)
    n_vocab, e, ff = len(tokens), a.embd, a.ff
    g.add("general.architecture", "str", "gpt2")
    g.add("general.name", "str", "tiny-gpt2")
    g.add("general.license", "str", "mit")
    g.add("gpt2.context_length", "u32", a.ctx)
    g.add("gpt2.embedding_length", "u32", e)
    g.add("gpt2.feed_forward_length", "u32", ff)
    g.add("gpt2.block_count", "u32", a.layers)
    g.add("gpt2.attention.head_count", "u32", a.heads)
    g.add("gpt2.attention.layer_norm_epsilon", "f32", 1e-5)
    g.add("tokenizer.ggml.model", "str", "gpt2")
    g.add("tokenizer.ggml.pre", "str", "gpt-2")
    g.add("tokenizer.ggml.tokens", "strs", tokens)
    g.add("tokenizer.ggml.token_type", "i32s", types)
    g.add("tokenizer.ggml.merges", "strs", merges)
    g.add("tokenizer.ggml.bos_token_id", "u32", n_vocab - 1)
    g.add("tokenizer.ggml.eos_token_id", "u32", n_vocab - 1)
    r = random_matrix(rng)
    W = {}
    W["wte"] = g.tensor("token_embd.weight", r(n_vocab, e), kind)
    W["wpe"] = g.tensor("position_embd.weight", r(a.ctx, e), "f32")
    layers = []
    for i in range(a.layers):
        p = "blk.%d." % i
        L = {}
        L["g1"] = g.tensor(p + "attn_norm.weight", 1 + r(e), kind)
        L["b1"] = g.tensor(p + "attn_norm.bias", r(e), kind)
        L["wqkv"] = g.tensor(p + "attn_qkv.weight", r(3 * e, e), kind)
        L["bqkv"] = g.tensor(p + "attn_qkv.bias", r(3 * e), kind)
        L["wo"] = g.tensor(p + "attn_output.weight", r(e, e), kind)
        L["bo"] = g.tensor(p + "attn_output.bias", r(e), kind)
        L["g2"] = g.tensor(p + "ffn_norm.weight", 1 + r(e), kind)
        L["b2"] = g.tensor(p + "ffn_norm.bias", r(e), kind)
        L["wup"] = g.tensor(p + "ffn_up.weight", r(ff, e), kind)
        L["bup"] = g.tensor(p + "ffn_up.bias", r(ff), kind)
        L["wdown"] = g.tensor(p + "ffn_down.weight", r(e, ff), kind)
        L["bdown"] = g.tensor(p + "ffn_down.bias", r(e), kind)
        layers.append(L)
    W["gf"] = g.tensor("output_norm.weight", 1 + r(e), kind)
    W["bf"] = g.tensor("output_norm.bias", r(e), kind)
    # No output.weight: GPT-2 ties the output to the token embedding.
    W["layers"] = layers
    W["vocab"] = (tokens, merges, types)
    return W, n_vocab


def forward_gpt2(W, ids, a, mm):
    eps = 1e-5
    h = (W["wte"][ids] + W["wpe"][np.arange(len(ids))]).astype(np.float64)
    e = a.embd
    for L in W["layers"]:
        x = layer_norm(h, L["g1"], L["b1"], eps)
        qkv = mm(x, L["wqkv"]) + L["bqkv"]
        att = attention(qkv[:, :e], qkv[:, e:2 * e], qkv[:, 2 * e:], a.heads, a.heads)
        h = h + mm(att, L["wo"]) + L["bo"]
        x = layer_norm(h, L["g2"], L["b2"], eps)
        h = h + mm(gelu(mm(x, L["wup"]) + L["bup"]), L["wdown"]) + L["bdown"]
    return mm(layer_norm(h, W["gf"], W["bf"], eps), W["wte"])


def build_llama(g, a, rng, kind):
    merges = None
    if a.vocab_json:
        v = json.load(open(a.vocab_json))
        tokens, scores = v["tokens"], v["scores"]
        types = [2 if i == 0 else 3 if i < 3 else 6 if i < 259 else 1 for i in range(len(tokens))]
    elif a.format == "both":  # a byte-level BPE vocabulary (as LLaMA-3's): tokenizer.json carries it
        tokens, merges, types = gpt2_vocab(80, a.ascii)
        scores = None
    else:
        tokens, scores, types = llama_vocab(120)
    n_vocab, e, ff = len(tokens), a.embd, a.ff
    kv = e // a.heads * a.kv_heads
    g.add("general.architecture", "str", "llama")
    g.add("general.name", "str", "tiny-llama")
    g.add("general.license", "str", "apache-2.0")
    g.add("llama.context_length", "u32", a.ctx)
    g.add("llama.embedding_length", "u32", e)
    g.add("llama.feed_forward_length", "u32", ff)
    g.add("llama.block_count", "u32", a.layers)
    g.add("llama.attention.head_count", "u32", a.heads)
    g.add("llama.attention.head_count_kv", "u32", a.kv_heads)
    g.add("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5)
    g.add("llama.rope.freq_base", "f32", 10000.0)
    g.add("llama.rope.dimension_count", "u32", e // a.heads)
    if merges is not None:
        g.add("tokenizer.ggml.model", "str", "gpt2")
        g.add("tokenizer.ggml.tokens", "strs", tokens)
        g.add("tokenizer.ggml.token_type", "i32s", types)
        g.add("tokenizer.ggml.merges", "strs", merges)
        g.add("tokenizer.ggml.eos_token_id", "u32", len(tokens) - 1)
    else:
        g.add("tokenizer.ggml.model", "str", "llama")
        g.add("tokenizer.ggml.tokens", "strs", tokens)
        g.add("tokenizer.ggml.scores", "f32s", scores)
        g.add("tokenizer.ggml.token_type", "i32s", types)
        g.add("tokenizer.ggml.bos_token_id", "u32", 1)
        g.add("tokenizer.ggml.eos_token_id", "u32", 2)
        g.add("tokenizer.ggml.unknown_token_id", "u32", 0)
    r = random_matrix(rng)
    W = {"wte": g.tensor("token_embd.weight", r(n_vocab, e), kind)}
    layers = []
    for i in range(a.layers):
        p = "blk.%d." % i
        L = {}
        L["g1"] = g.tensor(p + "attn_norm.weight", 1 + r(e), kind)
        L["wq"] = g.tensor(p + "attn_q.weight", r(e, e), kind)
        L["wk"] = g.tensor(p + "attn_k.weight", r(kv, e), kind)
        L["wv"] = g.tensor(p + "attn_v.weight", r(kv, e), kind)
        L["wo"] = g.tensor(p + "attn_output.weight", r(e, e), kind)
        L["g2"] = g.tensor(p + "ffn_norm.weight", 1 + r(e), kind)
        L["wgate"] = g.tensor(p + "ffn_gate.weight", r(ff, e), kind)
        L["wup"] = g.tensor(p + "ffn_up.weight", r(ff, e), kind)
        L["wdown"] = g.tensor(p + "ffn_down.weight", r(e, ff), kind)
        layers.append(L)
    W["gf"] = g.tensor("output_norm.weight", 1 + r(e), kind)
    W["wout"] = g.tensor("output.weight", r(n_vocab, e), kind)
    W["layers"] = layers
    W["vocab"] = (tokens, merges, types)
    return W, n_vocab


def forward_llama(W, ids, a, mm):
    eps = 1e-5
    pos = np.arange(len(ids))
    h = W["wte"][ids].astype(np.float64)
    for L in W["layers"]:
        x = rms_norm(h, L["g1"], eps)
        q = rope(mm(x, L["wq"]), a.heads, 10000.0, pos)
        k = rope(mm(x, L["wk"]), a.kv_heads, 10000.0, pos)
        v = mm(x, L["wv"])
        h = h + mm(attention(q, k, v, a.heads, a.kv_heads), L["wo"])
        x = rms_norm(h, L["g2"], eps)
        gate = mm(x, L["wgate"])
        h = h + mm((gate / (1 + np.exp(-gate))) * mm(x, L["wup"]), L["wdown"])
    return mm(rms_norm(h, W["gf"], eps), W["wout"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=["gpt2", "llama"], required=True)
    p.add_argument("--type", choices=list(GGML_TYPES), default="f32")
    p.add_argument("--out", required=True)
    p.add_argument("--embd", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--ff", type=int, default=128)
    p.add_argument("--ctx", type=int, default=128)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vocab-json")
    p.add_argument("--ascii", action="store_true", help="gpt2: a vocabulary of printable ASCII only")
    p.add_argument("--format", choices=["gguf", "both"], default="gguf",
                   help="both: also DIR/hf/, the same weights as a Hugging Face folder (f32, f16, bf16)")
    p.add_argument("--no-reference", action="store_true")
    p.add_argument("--greedy", type=int, default=0, help="also the greedy continuation of the tokens, this long")
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    g = Gguf()
    build = build_gpt2 if a.arch == "gpt2" else build_llama
    W, n_vocab = build(g, a, rng, a.type)
    os.makedirs(a.out, exist_ok=True)
    g.write(os.path.join(a.out, "model.gguf"))
    if a.format == "both":
        tokens, merges, types = W["vocab"]
        write_hf_folder(os.path.join(a.out, "hf"), a, W, tokens, merges, types)
    if a.no_reference:
        return
    ids = rng.integers(0, n_vocab - 1, a.steps)
    forward = forward_gpt2 if a.arch == "gpt2" else forward_llama
    logits = forward(W, ids, a, plain_matmul).astype(np.float32)
    logits.tofile(os.path.join(a.out, "logits.f32"))
    if a.type in ("q8_0", "q4_0"):
        # With the vectors quantized too, as the integer kernels compute a generated token.
        forward(W, ids, a, quantized_matmul).astype(np.float32).tofile(os.path.join(a.out, "logits_q8.f32"))
    greedy = []
    seq = list(ids)
    for _ in range(a.greedy):
        nxt = int(np.argmax(forward(W, np.array(seq), a, plain_matmul)[-1]))
        greedy.append(nxt)
        seq.append(nxt)
    with open(os.path.join(a.out, "reference.json"), "w") as f:
        json.dump({"tokens": [int(t) for t in ids], "vocab": int(n_vocab), "steps": int(a.steps), "greedy": greedy}, f)


if __name__ == "__main__":
    main()
