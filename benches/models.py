"""The models of the CPU performance comparison (benches/compare_onnxruntime.py), at the
sizes people deploy, built like the project's own test models (scripts/models.py), with
random weights and inputs.

    mlp            64x784 -> 512 -> 512 -> 10 (MatMul + Add + Relu)
    matmul1024     1024x1024 input times a 1024x1024 weight
    matmul2048     2048x2048 input times a 2048x2048 weight
    resnet18       ResNet-18 at 1x3x224x224, BatchNormalization unfolded (scripts/models.py)
    bert           a BERT-base encoder layer, seq 128, erf GELU (scripts/models.py)
    moe_dense      mixture of experts, top-2 of 8, 128 tokens, 512 -> 2048 -> 512: every
                   expert runs on every token (batched MatMul), gates select
    moe_capacity   the same experts with capacity dispatch: each expert's 32 token slots
                   gathered (Gather), batched MatMuls, a gate-weighted combine (MatMul)

Usage: models.py OUT_DIR [NAME ...]   (writes OUT_DIR/NAME/{model.onnx, inputs/*.npy})
"""

import json
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import models as project  # noqa: E402  (the project's builder and models)

Graph, tensor_info = project.Graph, project.tensor_info


def mlp():
    g = Graph("mlp_bench", 11)
    h = "x"
    for i, (n_in, n_out) in enumerate([(784, 512), (512, 512), (512, 10)]):
        h = g.op("MatMul", [h, g.weight(f"w{i}", (n_in, n_out), (2 / n_in) ** 0.5)])
        h = g.op("Add", [h, g.weight(f"b{i}", (n_out,), 0.1)])
        if i < 2:
            h = g.op("Relu", [h])
    g.nodes[-1].output[0] = "y"
    model = g.model([tensor_info("x", [64, 784])], [tensor_info("y", [64, 10])])
    return model, {"x": g.rng.standard_normal((64, 784)).astype(np.float32)}


def matmul(n):
    def build():
        g = Graph(f"matmul{n}", 12)
        g.op("MatMul", ["a", g.weight("b", (n, n), n ** -0.5)])
        g.nodes[-1].output[0] = "y"
        model = g.model([tensor_info("a", [n, n])], [tensor_info("y", [n, n])])
        return model, {"a": g.rng.standard_normal((n, n)).astype(np.float32)}
    return build


TOKENS, DIM, EXPERTS, FFN, TOP_K = 128, 512, 8, 2048, 2
CAPACITY = TOKENS * TOP_K // EXPERTS


def experts(g, x):
    """Batched expert MLPs on `x` (experts x tokens x DIM): Relu(x W_in + b) W_out."""
    h = g.op("MatMul", [x, g.weight("w_in", (EXPERTS, DIM, FFN), (2 / DIM) ** 0.5)])
    h = g.op("Relu", [g.op("Add", [h, g.weight("b_in", (EXPERTS, 1, FFN), 0.1)])])
    return g.op("MatMul", [h, g.weight("w_out", (EXPERTS, FFN, DIM), (1 / FFN) ** 0.5)])


def moe_dense():
    g = Graph("moe_dense", 13)
    x = "tokens"
    probs = g.op("Softmax", [g.op("MatMul", [x, g.weight("router_w", (DIM, EXPERTS), 0.5)])], axis=-1)
    vals, idx = g.op("TopK", [probs, g.const("k", np.array([TOP_K], np.int64))], outputs=2, axis=-1)
    gates = g.op("Div", [vals, g.op("ReduceSum", [vals, g.const("last", np.array([-1], np.int64))], keepdims=1)])
    dense = g.op("ScatterElements", [g.const("zeros", np.zeros((TOKENS, EXPERTS), np.float32)), idx, gates], axis=1)
    y = experts(g, x)
    y = g.op("Transpose", [y], perm=[1, 0, 2])
    gated = g.op("Mul", [y, g.op("Unsqueeze", [dense, g.const("ax2", np.array([2], np.int64))])])
    g.op("ReduceSum", [gated, g.const("ax1", np.array([1], np.int64))], keepdims=0)
    g.nodes[-1].output[0] = "y"
    model = g.model([tensor_info(x, [TOKENS, DIM])], [tensor_info("y", [TOKENS, DIM])])
    return model, {x: g.rng.standard_normal((TOKENS, DIM)).astype(np.float32)}


def moe_capacity():
    g = Graph("moe_capacity", 14)
    x, slots, combine = "tokens", "slot_tokens", "combine"
    gathered = g.op("Gather", [x, slots], axis=0)
    per_expert = g.op("Reshape", [gathered, g.const("e_shape", np.array([EXPERTS, CAPACITY, DIM], np.int64))])
    y = experts(g, per_expert)
    flat = g.op("Reshape", [y, g.const("flat", np.array([EXPERTS * CAPACITY, DIM], np.int64))])
    g.op("MatMul", [combine, flat])
    g.nodes[-1].output[0] = "y"
    model = g.model(
        [tensor_info(x, [TOKENS, DIM]), tensor_info(slots, [EXPERTS * CAPACITY], onnx.TensorProto.INT64),
         tensor_info(combine, [TOKENS, EXPERTS * CAPACITY])],
        [tensor_info("y", [TOKENS, DIM])],
    )
    # A routing with every expert full: token t's two experts, its gates in `combine`.
    rng = g.rng
    slot_tokens = np.zeros(EXPERTS * CAPACITY, np.int64)
    weights = np.zeros((TOKENS, EXPERTS * CAPACITY), np.float32)
    order = rng.permutation(TOKENS * TOP_K)
    for slot, choice in enumerate(order):
        token = choice // TOP_K
        slot_tokens[slot] = token
        weights[token, slot] = rng.uniform(0.2, 0.8)
    inputs = {x: rng.standard_normal((TOKENS, DIM)).astype(np.float32), slots: slot_tokens, combine: weights}
    return model, inputs


MODELS = {
    "mlp": mlp,
    "matmul1024": matmul(1024),
    "matmul2048": matmul(2048),
    "resnet18": project.resnet,
    "bert": project.bert,
    "moe_dense": moe_dense,
    "moe_capacity": moe_capacity,
}


def write(out_dir, name):
    model, inputs = MODELS[name]()
    folder = os.path.join(out_dir, name)
    os.makedirs(os.path.join(folder, "inputs"), exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    for k, v in inputs.items():
        np.save(os.path.join(folder, "inputs", f"{k}.npy"), v)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"inputs": list(inputs)}, f)


def main():
    out_dir = sys.argv[1]
    for name in sys.argv[2:] or list(MODELS):
        write(out_dir, name)


if __name__ == "__main__":
    main()
