"""Builds Strata's test models with random weights (opset 17) and their reference outputs.

For each model this writes, under <out>/<name>/:
    model.onnx
    inputs/<input name>.npy
    expected/<output name>.npy     (onnxruntime's outputs)
    manifest.json                  {"inputs": [...], "outputs": [...]}

Models:
    mlp      a 3-layer perceptron (MatMul+Add, Gemm, Relu, Softmax)
    resnet   a ResNet-18-style CNN at 224x224 (Conv, BatchNormalization, MaxPool, residual
             Add, GlobalAveragePool, Flatten, Gemm)
    bert     a BERT-style encoder layer, written the way exporters write it (Shape/Gather/
             Concat feeding Reshape, LayerNormalization, Erf-based GELU, masked Softmax)
    moe      a mixture-of-experts layer (TopK routing, GatherElements, ScatterElements,
             OneHot, CumSum capacity limits, Equal, Less, Where, batched expert MatMuls)
    lstm_stack
             two stacked bidirectional LSTMs (peepholes, clip, ragged sequence_lens,
             initial states) feeding a projection
    gru_encoder
             a batch-first (layout=1) bidirectional GRU with linear_before_reset and
             a LeakyRelu-activated RNN layer on top
    mlp_int8_dynamic
             the MLP quantized by onnxruntime.quantization.quantize_dynamic (int8 weights:
             DynamicQuantizeLinear, MatMulInteger, the scales' Mul)
    cnn_int8_dynamic
             the small CNN below quantized by quantize_dynamic with uint8 weights
             (DynamicQuantizeLinear, ConvInteger with computed input zero points and
             weight zero points, MatMulInteger for the Gemm)
    cnn_int8_qdq
             a small CNN (Conv, Relu, MaxPool, residual Add, GlobalAveragePool, Gemm)
             quantized by quantize_static in QDQ format, per-channel int8 weights and
             uint8 activations calibrated on random images
    if_sample_rate
             an If on an int64 input (a sample rate) choosing between two projections
             of outer-scope features (folded when the rate is bound, run-time otherwise)
    big_mlp  an MLP with 1 GiB of weights in the external-data format
    splat_fc a 4096x25088 fully connected layer whose weight is a ConstantOfShape splat
    loop_decode
             a Loop with a run-time trip count stepping a tanh state, reading an
             outer-scope input and the iteration number
    seq_heads
             sequences as exporters write per-head loops: SplitToSequence into heads, a
             Loop over SequenceLength projecting SequenceAt(i) into a SequenceInsert'ed
             sequence, SequenceErase, SequenceConstruct and ConcatFromSequence (both
             concatenating and stacking)

Usage: models.py OUT_DIR [NAME ...]
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class Graph:
    """A small builder: named initializers and nodes with generated output names."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.count = 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, name, shape, std):
        return self.const(name, (self.rng.standard_normal(shape) * std).astype(np.float32))

    def op(self, op_type, inputs, outputs=1, **attrs):
        self.count += 1
        node_name = f"{op_type.lower()}_{self.count}"
        outs = [f"{node_name}_out{i}" if outputs > 1 else node_name for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=node_name, **attrs))
        return outs if outputs > 1 else outs[0]

    def model(self, inputs, outputs):
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 8
        model = onnx.shape_inference.infer_shapes(model)
        onnx.checker.check_model(model)
        return model


def tensor_info(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def mlp():
    g = Graph("mlp", 1)
    x = "x"
    h = g.op("MatMul", [x, g.weight("w1", (784, 512), (2 / 784) ** 0.5)])
    h = g.op("Add", [h, g.weight("b1", (512,), 0.1)])
    h = g.op("Relu", [h])
    h = g.op("Gemm", [h, g.weight("w2", (256, 512), (2 / 512) ** 0.5), g.weight("b2", (256,), 0.1)], transB=1)
    h = g.op("Relu", [h])
    logits = g.op("Gemm", [h, g.weight("w3", (256, 10), (1 / 256) ** 0.5), g.weight("b3", (10,), 0.1)])
    g.nodes[-1].output[0] = "logits"
    g.op("Softmax", ["logits"], axis=-1)
    g.nodes[-1].output[0] = "probs"
    model = g.model([tensor_info("x", [8, 784])], [tensor_info("logits", [8, 10]), tensor_info("probs", [8, 10])])
    inputs = {"x": g.rng.standard_normal((8, 784)).astype(np.float32)}
    return model, inputs


def resnet():
    g = Graph("resnet18", 2)

    def conv_bn(x, cin, cout, k, stride, relu, last_in_block=False):
        w = g.weight(f"conv{g.count}_w", (cout, cin, k, k), (2 / (cin * k * k)) ** 0.5)
        y = g.op("Conv", [x, w], kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4)
        # Residual branches start small so activations stay O(1) through 8 blocks.
        gamma = g.rng.uniform(0.1, 0.3 if last_in_block else 1.0, cout).astype(np.float32)
        scale = g.const(f"bn{g.count}_scale", gamma)
        bias = g.const(f"bn{g.count}_bias", (g.rng.standard_normal(cout) * 0.1).astype(np.float32))
        mean = g.const(f"bn{g.count}_mean", (g.rng.standard_normal(cout) * 0.1).astype(np.float32))
        var = g.const(f"bn{g.count}_var", g.rng.uniform(0.5, 1.5, cout).astype(np.float32))
        y = g.op("BatchNormalization", [y, scale, bias, mean, var], epsilon=1e-5)
        return g.op("Relu", [y]) if relu else y

    x = conv_bn("image", 3, 64, 7, 2, True)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, cout in enumerate([64, 128, 256, 512]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            y = conv_bn(x, cin, cout, 3, stride, True)
            y = conv_bn(y, cout, cout, 3, 1, False, last_in_block=True)
            shortcut = conv_bn(x, cin, cout, 1, stride, False) if (stride != 1 or cin != cout) else x
            x = g.op("Relu", [g.op("Add", [y, shortcut])])
            cin = cout
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.op("Gemm", [x, g.weight("fc_w", (1000, 512), (1 / 512) ** 0.5), g.weight("fc_b", (1000,), 0.01)], transB=1)
    g.nodes[-1].output[0] = "logits"
    model = g.model([tensor_info("image", [1, 3, 224, 224])], [tensor_info("logits", [1, 1000])])
    inputs = {"image": g.rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}
    return model, inputs


def bert():
    g = Graph("bert_layer", 3)
    batch, seq, hidden, heads, ffn = 1, 128, 768, 12, 3072
    head = hidden // heads
    x, mask = "hidden_states", "attention_mask"

    def dense(inp, n_in, n_out, name):
        y = g.op("MatMul", [inp, g.weight(f"{name}_w", (n_in, n_out), 0.02)])
        return g.op("Add", [y, g.weight(f"{name}_b", (n_out,), 0.02)])

    # Exporters compute reshape targets from the runtime shape: Shape -> Gather -> Concat.
    shape = g.op("Shape", [x])
    b = g.op("Gather", [shape, g.const("idx0", np.array(0, np.int64))], axis=0)
    s = g.op("Gather", [shape, g.const("idx1", np.array(1, np.int64))], axis=0)
    b1 = g.op("Unsqueeze", [b, g.const("ax0", np.array([0], np.int64))])
    s1 = g.op("Unsqueeze", [s, g.const("ax0b", np.array([0], np.int64))])
    split_shape = g.op("Concat", [b1, s1, g.const("heads_dims", np.array([heads, head], np.int64))], axis=0)
    merged_shape = g.op("Concat", [b1, s1, g.const("hidden_dim", np.array([hidden], np.int64))], axis=0)

    def split_heads(t):
        return g.op("Transpose", [g.op("Reshape", [t, split_shape])], perm=[0, 2, 1, 3])

    q = split_heads(dense(x, hidden, hidden, "query"))
    k = split_heads(dense(x, hidden, hidden, "key"))
    v = split_heads(dense(x, hidden, hidden, "value"))
    scores = g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])])
    scores = g.op("Div", [scores, g.const("sqrt_d", np.array(np.sqrt(head), np.float32))])
    # Extended mask: (1 - mask) * -10000, broadcast over heads and query positions.
    m = g.op("Unsqueeze", [mask, g.const("ax12", np.array([1, 2], np.int64))])
    m = g.op("Sub", [g.const("one", np.array(1.0, np.float32)), m])
    m = g.op("Mul", [m, g.const("neg", np.array(-10000.0, np.float32))])
    probs = g.op("Softmax", [g.op("Add", [scores, m])], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, merged_shape])
    attn = dense(ctx, hidden, hidden, "attn_out")
    h = g.op("LayerNormalization", [g.op("Add", [attn, x]), g.const("ln1_g", np.ones(hidden, np.float32)),
                                    g.weight("ln1_b", (hidden,), 0.02)], axis=-1, epsilon=1e-12)
    inter = dense(h, hidden, ffn, "intermediate")
    # GELU as exporters decompose it: x * 0.5 * (1 + erf(x / sqrt(2))).
    erf = g.op("Erf", [g.op("Div", [inter, g.const("sqrt2", np.array(np.sqrt(2.0), np.float32))])])
    gelu = g.op("Mul", [g.op("Mul", [inter, g.op("Add", [erf, g.const("one_b", np.array(1.0, np.float32))])]),
                        g.const("half", np.array(0.5, np.float32))])
    out = dense(gelu, ffn, hidden, "output")
    g.op("LayerNormalization", [g.op("Add", [out, h]), g.const("ln2_g", np.ones(hidden, np.float32)),
                                g.weight("ln2_b", (hidden,), 0.02)], axis=-1, epsilon=1e-12)
    g.nodes[-1].output[0] = "layer_output"
    model = g.model(
        [tensor_info(x, [batch, seq, hidden]), tensor_info(mask, [batch, seq])],
        [tensor_info("layer_output", [batch, seq, hidden])],
    )
    attention_mask = np.ones((batch, seq), np.float32)
    attention_mask[:, seq - 16:] = 0.0
    inputs = {x: g.rng.standard_normal((batch, seq, hidden)).astype(np.float32), mask: attention_mask}
    return model, inputs


def moe():
    g = Graph("moe_layer", 4)
    tokens, dim, experts, ffn, top_k, capacity = 32, 256, 4, 512, 2, 12
    x = "tokens"
    logits = g.op("MatMul", [x, g.weight("router_w", (dim, experts), 0.5)])
    probs = g.op("Softmax", [logits], axis=-1)
    vals, idx = g.op("TopK", [probs, g.const("k", np.array([top_k], np.int64))], outputs=2, axis=-1)
    # Renormalize the chosen gates; GatherElements re-reads them from the full softmax.
    chosen = g.op("GatherElements", [probs, idx], axis=1)
    gates = g.op("Div", [chosen, g.op("ReduceSum", [vals, g.const("last", np.array([-1], np.int64))], keepdims=1)])
    # Capacity: each expert takes at most `capacity` token slots, first come first served.
    onehot = g.op("OneHot", [idx, g.const("depth", np.array(experts, np.int64)),
                             g.const("onehot_vals", np.array([0.0, 1.0], np.float32))], axis=-1)
    flat = g.op("Reshape", [onehot, g.const("flat_shape", np.array([tokens * top_k, experts], np.int64))])
    position = g.op("CumSum", [flat, g.const("axis0", np.array(0, np.int64))], exclusive=1)
    pos = g.op("ReduceSum", [g.op("Mul", [position, flat]), g.const("last2", np.array([-1], np.int64))], keepdims=0)
    pos = g.op("Reshape", [pos, g.const("tk_shape", np.array([tokens, top_k], np.int64))])
    keep = g.op("Less", [pos, g.const("cap", np.array(float(capacity), np.float32))])
    is_top1 = g.op("Equal", [idx, g.op("ArgMax", [probs], axis=1, keepdims=1)])
    keep = g.op("Or", [keep, is_top1])
    gates = g.op("Where", [keep, gates, g.const("zero", np.array(0.0, np.float32))])
    dense_gates = g.op("ScatterElements", [g.const("zeros", np.zeros((tokens, experts), np.float32)), idx, gates], axis=1)
    # Every expert runs on every token (batched MatMul over experts); gates select.
    h = g.op("MatMul", [x, g.weight("w_in", (experts, dim, ffn), (2 / dim) ** 0.5)])
    h = g.op("Relu", [g.op("Add", [h, g.weight("b_in", (experts, 1, ffn), 0.1)])])
    y = g.op("MatMul", [h, g.weight("w_out", (experts, ffn, dim), (1 / ffn) ** 0.5)])
    y = g.op("Transpose", [y], perm=[1, 0, 2])
    gated = g.op("Mul", [y, g.op("Unsqueeze", [dense_gates, g.const("ax2", np.array([2], np.int64))])])
    g.op("ReduceSum", [gated, g.const("ax1", np.array([1], np.int64))], keepdims=0)
    g.nodes[-1].output[0] = "moe_output"
    model = g.model([tensor_info(x, [tokens, dim])], [tensor_info("moe_output", [tokens, dim])])
    inputs = {x: g.rng.standard_normal((tokens, dim)).astype(np.float32)}
    return model, inputs


def lstm_stack():
    g = Graph("lstm_stack", 7)
    seq, batch, n_in, hidden = 12, 3, 20, 24
    lens = g.const("lens", np.array([12, 9, 5], dtype=np.int32))
    x = "x"
    for layer, width in enumerate([n_in, 2 * hidden]):
        w = g.weight(f"w{layer}", (2, 4 * hidden, width), width**-0.5)
        r = g.weight(f"r{layer}", (2, 4 * hidden, hidden), hidden**-0.5)
        b = g.weight(f"b{layer}", (2, 8 * hidden), 0.1)
        h0 = g.weight(f"h0_{layer}", (2, batch, hidden), 0.5)
        c0 = g.weight(f"c0_{layer}", (2, batch, hidden), 0.5)
        p = g.weight(f"p{layer}", (2, 3 * hidden), 0.3)
        y, y_h, y_c = g.op("LSTM", [x, w, r, b, lens, h0, c0, p], outputs=3, hidden_size=hidden,
                           direction="bidirectional", clip=3.0)
        # [seq, 2, batch, hidden] -> [seq, batch, 2 * hidden]
        y = g.op("Transpose", [y], perm=[0, 2, 1, 3])
        x = g.op("Reshape", [y, g.const(f"shape{layer}", np.array([seq, batch, 2 * hidden], dtype=np.int64))])
    g.op("MatMul", [x, g.weight("proj", (2 * hidden, 8), (2 * hidden) ** -0.5)])
    g.nodes[-1].output[0] = "y"
    g.op("Identity", [y_h])
    g.nodes[-1].output[0] = "state"
    model = g.model([tensor_info("x", [seq, batch, n_in])],
                    [tensor_info("y", [seq, batch, 8]), tensor_info("state", [2, batch, hidden])])
    inputs = {"x": g.rng.standard_normal((seq, batch, n_in)).astype(np.float32)}
    return model, inputs


def gru_encoder():
    g = Graph("gru_encoder", 8)
    batch, seq, n_in, hidden = 2, 10, 16, 20
    w = g.weight("w", (2, 3 * hidden, n_in), n_in**-0.5)
    r = g.weight("r", (2, 3 * hidden, hidden), hidden**-0.5)
    b = g.weight("b", (2, 6 * hidden), 0.1)
    # Batch-first input; onnxruntime's recurrent kernels take only layout 0, so transpose.
    x = g.op("Transpose", ["x"], perm=[1, 0, 2])
    y, _ = g.op("GRU", [x, w, r, b], outputs=2, hidden_size=hidden, direction="bidirectional",
                linear_before_reset=1)
    # [seq, 2, batch, hidden] -> [seq, batch, 2 * hidden]
    y = g.op("Transpose", [y], perm=[0, 2, 1, 3])
    y = g.op("Reshape", [y, g.const("shape", np.array([seq, batch, 2 * hidden], dtype=np.int64))])
    w2 = g.weight("w2", (1, hidden, 2 * hidden), (2 * hidden) ** -0.5)
    r2 = g.weight("r2", (1, hidden, hidden), hidden**-0.5)
    g.op("RNN", [y, w2, r2], outputs=2, hidden_size=hidden, direction="reverse",
         activations=["LeakyRelu"], activation_alpha=[0.1])
    g.nodes[-1].output[:] = ["y", "state"]
    model = g.model([tensor_info("x", [batch, seq, n_in])],
                    [tensor_info("y", [seq, 1, batch, hidden]), tensor_info("state", [1, batch, hidden])])
    inputs = {"x": g.rng.standard_normal((batch, seq, n_in)).astype(np.float32)}
    return model, inputs


def if_sample_rate():
    """An If on an input scalar, as speech front ends choose a path by sample rate: each
    branch a projection of the outer-scope features (the branches read them by name)."""
    g = Graph("if_sample_rate", 9)
    n_in, n_out = 32, 16
    w_then = g.weight("w_then", (n_in, n_out), n_in**-0.5)
    w_else = g.weight("w_else", (n_in, n_out), n_in**-0.5)
    rate = g.const("rate", np.array(16000, dtype=np.int64))
    cond = g.op("Equal", ["sample_rate", rate])

    def branch(name, w, act):
        mm = helper.make_node("MatMul", ["x", w], [f"{name}_mm"])
        out = helper.make_node(act, [f"{name}_mm"], [f"{name}_y"])
        return helper.make_graph([mm, out], name, [], [tensor_info(f"{name}_y", [1, 8, n_out])])

    g.op("If", [cond], then_branch=branch("then", w_then, "Relu"),
         else_branch=branch("else", w_else, "Tanh"))
    g.nodes[-1].output[0] = "y"
    model = g.model([tensor_info("x", [1, 8, n_in]), tensor_info("sample_rate", [], TensorProto.INT64)],
                    [tensor_info("y", [1, 8, n_out])])
    inputs = {"x": g.rng.standard_normal((1, 8, n_in)).astype(np.float32),
              "sample_rate": np.array(16000, dtype=np.int64)}
    return model, inputs


def loop_decode():
    """A Loop with a run-time trip count, as exported decoders step a state: each
    iteration h = tanh(h·W + x) (x read from the outer scope) and acc += i·h (the
    iteration number), carried through a condition the body passes on."""
    g = Graph("loop_decode", 10)
    n = 16
    w = g.weight("w", (n, n), n**-0.5)
    body = helper.make_graph(
        [
            helper.make_node("MatMul", ["h", w], ["hw"]),
            helper.make_node("Add", ["hw", "x"], ["pre"]),
            helper.make_node("Tanh", ["pre"], ["h_next"]),
            helper.make_node("Cast", ["i"], ["i_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["h_next", "i_f"], ["scaled"]),
            helper.make_node("Add", ["acc", "scaled"], ["acc_next"]),
            helper.make_node("Identity", ["cond"], ["cond_next"]),
        ],
        "body",
        [tensor_info("i", [], TensorProto.INT64), tensor_info("cond", [], TensorProto.BOOL),
         tensor_info("h", [1, n]), tensor_info("acc", [1, n])],
        [tensor_info("cond_next", [], TensorProto.BOOL), tensor_info("h_next", [1, n]),
         tensor_info("acc_next", [1, n])],
    )
    zeros = g.const("zeros", np.zeros((1, n), dtype=np.float32))
    keep = g.const("keep", np.array(True))
    g.nodes.append(helper.make_node("Loop", ["steps", keep, "x", zeros], ["h_final", "acc_final"],
                                    name="decode", body=body))
    model = g.model([tensor_info("x", [1, n]), tensor_info("steps", [], TensorProto.INT64)],
                    [tensor_info("h_final", [1, n]), tensor_info("acc_final", [1, n])])
    inputs = {"x": g.rng.standard_normal((1, n)).astype(np.float32),
              "steps": np.array(5, dtype=np.int64)}
    return model, inputs


def seq_heads():
    """Per-head projections through sequences: x [1, 12, 16] split into three heads of
    four rows, each head projected by the loop body (h·W, Relu) into a sequence, then
    concatenated back (axis 1) and, without its last head, stacked on a new axis."""
    g = Graph("seq_heads", 11)
    n = 16
    w = g.weight("w", (n, n), n**-0.5)
    heads = g.op("SplitToSequence", ["x", g.const("four", np.array(4, dtype=np.int64))], axis=1)
    count = g.op("SequenceLength", [heads])
    body = helper.make_graph(
        [
            helper.make_node("SequenceAt", ["heads_in", "i"], ["head"]),
            helper.make_node("MatMul", ["head", w], ["proj"]),
            helper.make_node("Relu", ["proj"], ["act"]),
            helper.make_node("SequenceInsert", ["acc", "act"], ["acc_next"]),
            helper.make_node("Identity", ["cond"], ["cond_next"]),
            helper.make_node("Identity", ["heads_in"], ["heads_out"]),
        ],
        "per_head",
        [tensor_info("i", [], TensorProto.INT64), tensor_info("cond", [], TensorProto.BOOL),
         helper.make_tensor_sequence_value_info("heads_in", TensorProto.FLOAT, None),
         helper.make_tensor_sequence_value_info("acc", TensorProto.FLOAT, None)],
        [tensor_info("cond_next", [], TensorProto.BOOL),
         helper.make_tensor_sequence_value_info("heads_out", TensorProto.FLOAT, None),
         helper.make_tensor_sequence_value_info("acc_next", TensorProto.FLOAT, None)],
    )
    empty = g.op("SequenceEmpty", [], dtype=TensorProto.FLOAT)
    keep = g.const("keep", np.array(True))
    g.nodes.append(helper.make_node("Loop", [count, keep, heads, empty], ["heads_after", "projected"],
                                    name="per_head", body=body))
    g.op("ConcatFromSequence", ["projected"], axis=1)
    g.nodes[-1].output[0] = "y"
    last = g.const("last", np.array(-1, dtype=np.int64))
    first_two = g.op("SequenceErase", ["projected", last])
    first = g.op("SequenceAt", [first_two, g.const("zero", np.array(0, dtype=np.int64))])
    pair = g.op("SequenceConstruct", [first, g.op("Neg", [first])])
    g.op("ConcatFromSequence", [pair], axis=0, new_axis=1)
    g.nodes[-1].output[0] = "stacked"
    model = g.model([tensor_info("x", [1, 12, n])],
                    [tensor_info("y", [1, 12, n]), tensor_info("stacked", [2, 1, 4, n])])
    inputs = {"x": g.rng.standard_normal((1, 12, n)).astype(np.float32)}
    return model, inputs


def big_mlp():
    """An MLP with 1 GiB of weights (four 8192x8192 f32 MatMuls with Relu between), saved
    in the external-data format: what a VGG-sized model looks like on disk."""
    rng = np.random.default_rng(11)
    n, layers = 8192, 4
    nodes, inits, x = [], [], "x"
    for i in range(layers):
        w = (rng.standard_normal((n, n), dtype=np.float32) * n**-0.5).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        del w
        out = "y" if i == layers - 1 else f"h{i}"
        nodes.append(helper.make_node("MatMul", [x, f"w{i}"], [out if i == layers - 1 else f"m{i}"], name=f"matmul{i}"))
        if i < layers - 1:
            nodes.append(helper.make_node("Relu", [f"m{i}"], [out], name=f"relu{i}"))
        x = out
    graph = helper.make_graph(nodes, "big_mlp", [tensor_info("x", [1, n])], [tensor_info("y", [1, n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    inputs = {"x": rng.standard_normal((1, n)).astype(np.float32)}
    return model, inputs


def splat_fc():
    """A VGG-sized fully connected layer whose weight is a ConstantOfShape splat
    ([4096, 25088], as the zoo's *-ConstantOfShape CNNs are written): 411 MB if built."""
    g = Graph("splat_fc", 12)
    shape = g.const("w_shape", np.array([4096, 25088], dtype=np.int64))
    w = g.op("ConstantOfShape", [shape], value=numpy_helper.from_array(np.array([0.001], dtype=np.float32)))
    b = g.weight("b", (4096,), 0.1)
    g.op("Gemm", ["x", w, b], transB=1)
    g.nodes[-1].output[0] = "y"
    model = g.model([tensor_info("x", [1, 25088])], [tensor_info("y", [1, 4096])])
    inputs = {"x": g.rng.standard_normal((1, 25088)).astype(np.float32)}
    return model, inputs


def _quantized(model, inputs, quantize):
    """Runs one of onnxruntime's quantization tools on `model` (they work on files)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "float.onnx"), os.path.join(tmp, "int8.onnx")
        onnx.save(model, src)
        quantize(src, dst)
        return onnx.load(dst), inputs


def mlp_int8_dynamic():
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model, inputs = mlp()
    return _quantized(model, inputs, lambda s, d: quantize_dynamic(s, d, weight_type=QuantType.QInt8))


def cnn():
    g = Graph("cnn", 5)

    def conv(x, cin, cout, k, stride):
        w = g.weight(f"conv{g.count}_w", (cout, cin, k, k), (2 / (cin * k * k)) ** 0.5)
        b = g.weight(f"conv{g.count}_b", (cout,), 0.1)
        return g.op("Conv", [x, w, b], kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4)

    x = g.op("Relu", [conv("image", 3, 16, 3, 1)])
    x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    y = g.op("Relu", [conv(x, 16, 16, 3, 1)])
    x = g.op("Relu", [g.op("Add", [conv(y, 16, 16, 3, 1), x])])
    x = g.op("Relu", [conv(x, 16, 32, 3, 2)])
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.op("Gemm", [x, g.weight("fc_w", (10, 32), (1 / 32) ** 0.5), g.weight("fc_b", (10,), 0.1)], transB=1)
    g.nodes[-1].output[0] = "logits"
    model = g.model([tensor_info("image", [1, 3, 32, 32])], [tensor_info("logits", [1, 10])])
    inputs = {"image": g.rng.standard_normal((1, 3, 32, 32)).astype(np.float32)}
    return model, inputs


def cnn_int8_dynamic():
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model, inputs = cnn()
    # onnxruntime's ConvInteger takes uint8 weights only.
    return _quantized(model, inputs, lambda s, d: quantize_dynamic(s, d, weight_type=QuantType.QUInt8))


def cnn_int8_qdq():
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    model, inputs = cnn()
    rng = np.random.default_rng(6)

    class Images(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"image": rng.standard_normal((1, 3, 32, 32)).astype(np.float32)} for _ in range(16)])

        def get_next(self):
            return next(self.batches, None)

    def quantize(src, dst):
        quantize_static(
            src,
            dst,
            Images(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )

    return _quantized(model, inputs, quantize)


MODELS = {
    "mlp": mlp,
    "resnet": resnet,
    "bert": bert,
    "moe": moe,
    "lstm_stack": lstm_stack,
    "gru_encoder": gru_encoder,
    "mlp_int8_dynamic": mlp_int8_dynamic,
    "cnn_int8_dynamic": cnn_int8_dynamic,
    "cnn_int8_qdq": cnn_int8_qdq,
    "if_sample_rate": if_sample_rate,
    "loop_decode": loop_decode,
    "seq_heads": seq_heads,
    "big_mlp": big_mlp,
    "splat_fc": splat_fc,
}


# Models in QDQ format, whose reference outputs are the model's own float ops.
QDQ_MODELS = {"cnn_int8_qdq"}


def write(out_dir, name):
    model, inputs = MODELS[name]()
    folder = os.path.join(out_dir, name)
    os.makedirs(os.path.join(folder, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(folder, "expected"), exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    weights = sum(t.ByteSize() for t in model.graph.initializer)
    if weights > 1 << 28:
        # Past a few hundred MB, weights go in a file of their own (as exporters do).
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location="weights.bin", size_threshold=1024)
        onnx.checker.check_model(path)
    else:
        onnx.save(model, path)
    del model
    for k, v in inputs.items():
        np.save(os.path.join(folder, "inputs", f"{k}.npy"), v)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    if name in QDQ_MODELS:
        # onnxruntime's extended optimizations turn QDQ groups into its integer kernels
        # (QLinearConv and the like), whose requantization rounds apart from the model's
        # float ops, and whether they do depends on the CPU (they did on an AVX-512 host,
        # not on an AVX2 one): the reference is the model as written.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    for n, v in zip(names, session.run(names, inputs)):
        np.save(os.path.join(folder, "expected", f"{n}.npy"), v)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"inputs": list(inputs), "outputs": names}, f)
    print(f"{name}: {len(names)} outputs -> {folder}")


def main():
    out_dir = sys.argv[1]
    for name in sys.argv[2:] or list(MODELS):
        write(out_dir, name)


if __name__ == "__main__":
    main()
