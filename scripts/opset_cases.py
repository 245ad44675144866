"""Writes single-node models at older opsets, with onnxruntime's outputs, in the layout of
the ONNX node tests (see gen_node_tests.py), so the conformance runner checks how Strata
imports each op version.

The ONNX node tests are generated at each op's newest version, so they miss the older
semantics that real exported models still use: Softmax before opset 13, axes given as
attributes, Slice/Pad/Clip/TopK/Split before their inputs replaced attributes, Upsample.

Usage: opset_cases.py OUT_DIR
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(5)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def i64(values):
    return np.array(values, dtype=np.int64)


# (name, op, opset, inputs {name: array}, constant inputs {name: array}, attributes, outputs)
# Constant inputs become initializers; None marks an omitted optional input.
CASES = [
    ("softmax_11_axis1", "Softmax", 11, {"x": f32(2, 3, 4)}, {}, {"axis": 1}, 1),
    ("softmax_11_default", "Softmax", 11, {"x": f32(2, 3, 4)}, {}, {}, 1),
    ("softmax_13_axis1", "Softmax", 13, {"x": f32(2, 3, 4)}, {}, {"axis": 1}, 1),
    ("logsoftmax_9_axis0", "LogSoftmax", 9, {"x": f32(3, 4)}, {}, {"axis": 0}, 1),
    ("hardmax_11_axis1", "Hardmax", 11, {"x": f32(2, 3, 4)}, {}, {"axis": 1}, 1),
    ("unsqueeze_11_attr", "Unsqueeze", 11, {"x": f32(3, 4)}, {}, {"axes": [0, -1]}, 1),
    ("unsqueeze_13_input", "Unsqueeze", 13, {"x": f32(3, 4)}, {"axes": i64([1])}, {}, 1),
    ("squeeze_11_attr", "Squeeze", 11, {"x": f32(1, 3, 1, 4)}, {}, {"axes": [2]}, 1),
    ("squeeze_11_all", "Squeeze", 11, {"x": f32(1, 3, 1, 4)}, {}, {}, 1),
    ("squeeze_13_input", "Squeeze", 13, {"x": f32(1, 3, 1, 4)}, {"axes": i64([0])}, {}, 1),
    ("reducesum_11_attr", "ReduceSum", 11, {"x": f32(2, 3, 4)}, {}, {"axes": [1], "keepdims": 0}, 1),
    ("reducesum_13_input", "ReduceSum", 13, {"x": f32(2, 3, 4)}, {"axes": i64([0, 2])}, {}, 1),
    ("reducesum_13_noop", "ReduceSum", 13, {"x": f32(2, 3)}, {"axes": i64([])}, {"noop_with_empty_axes": 1}, 1),
    ("reducemean_13_attr", "ReduceMean", 13, {"x": f32(2, 3, 4)}, {}, {"axes": [-1]}, 1),
    ("reducemean_18_input", "ReduceMean", 18, {"x": f32(2, 3, 4)}, {"axes": i64([-1])}, {"keepdims": 0}, 1),
    ("reducemax_11_all", "ReduceMax", 11, {"x": f32(2, 3, 4)}, {}, {"keepdims": 0}, 1),
    ("split_11_attr", "Split", 11, {"x": f32(6, 2)}, {}, {"axis": 0, "split": [1, 2, 3]}, 3),
    ("split_11_equal", "Split", 11, {"x": f32(2, 6)}, {}, {"axis": 1}, 2),
    ("split_13_input", "Split", 13, {"x": f32(6, 2)}, {"split": i64([4, 2])}, {}, 2),
    ("split_18_uneven", "Split", 18, {"x": f32(5, 2)}, {}, {"num_outputs": 3}, 3),
    ("slice_9_attrs", "Slice", 9, {"x": f32(4, 5)}, {}, {"starts": [1, 0], "ends": [3, 100], "axes": [0, 1]}, 1),
    ("slice_10_inputs", "Slice", 10, {"x": f32(4, 5)}, {"starts": i64([1]), "ends": i64([-1])}, {}, 1),
    ("slice_13_neg_step", "Slice", 13, {"x": f32(4, 5)},
     {"starts": i64([-1, 4]), "ends": i64([-100, 0]), "axes": i64([0, 1]), "steps": i64([-2, -1])}, {}, 1),
    ("pad_10_reflect", "Pad", 10, {"x": f32(3, 4)}, {}, {"pads": [1, 2, 1, 0], "mode": "reflect"}, 1),
    ("pad_10_value", "Pad", 10, {"x": f32(3, 4)}, {}, {"pads": [0, 1, 2, 0], "value": 1.5}, 1),
    ("pad_11_edge", "Pad", 11, {"x": f32(3, 4)}, {"pads": i64([1, 1, 1, 1])}, {"mode": "edge"}, 1),
    ("pad_11_value_input", "Pad", 11, {"x": f32(3, 4)},
     {"pads": i64([0, 2, 0, 1]), "value": np.array(-2.0, np.float32)}, {}, 1),
    ("pad_18_axes", "Pad", 18, {"x": f32(3, 4)},
     {"pads": i64([2, 1]), "value": np.array(0.5, np.float32), "axes": i64([1])}, {}, 1),
    ("clip_7_attrs", "Clip", 7, {"x": f32(3, 4)}, {}, {"min": -0.5, "max": 0.5}, 1),
    ("clip_11_inputs", "Clip", 11, {"x": f32(3, 4)}, {"min": np.array(-0.2, np.float32), "max": None}, {}, 1),
    ("clip_12_int", "Clip", 12, {"x": np.arange(-5, 7, dtype=np.int32).reshape(3, 4)},
     {"min": np.array(-2, np.int32), "max": np.array(3, np.int32)}, {}, 1),
    ("topk_9_attr", "TopK", 9, {"x": f32(3, 5)}, {}, {"k": 2, "axis": 1}, 2),
    ("topk_11_smallest", "TopK", 11, {"x": f32(3, 5)}, {"k": i64([3])}, {"largest": 0, "axis": -1}, 2),
    ("upsample_9_nearest", "Upsample", 9, {"x": f32(1, 1, 2, 3)},
     {"scales": np.array([1, 1, 3, 2], np.float32)}, {"mode": "nearest"}, 1),
    ("resize_10_nearest", "Resize", 10, {"x": f32(1, 1, 2, 3)},
     {"scales": np.array([1, 1, 2.5, 1.5], np.float32)}, {"mode": "nearest"}, 1),
    ("resize_11_linear_sizes", "Resize", 11, {"x": f32(1, 2, 3, 4)},
     {"roi": np.array([], np.float32), "scales": np.array([], np.float32), "sizes": i64([1, 2, 5, 7])},
     {"mode": "linear", "coordinate_transformation_mode": "align_corners"}, 1),
    ("resize_13_cubic", "Resize", 13, {"x": f32(1, 1, 4, 4)},
     {"roi": None, "scales": np.array([1, 1, 0.6, 1.7], np.float32)}, {"mode": "cubic"}, 1),
    ("batchnorm_7", "BatchNormalization", 7, {"x": f32(2, 3, 4)},
     {"s": f32(3), "b": f32(3), "m": f32(3), "v": np.abs(f32(3)) + 0.5}, {"epsilon": 1e-3}, 1),
    ("batchnorm_14", "BatchNormalization", 14, {"x": f32(2, 3, 2, 2)},
     {"s": f32(3), "b": f32(3), "m": f32(3), "v": np.abs(f32(3)) + 0.5}, {}, 1),
    ("dropout_7", "Dropout", 7, {"x": f32(3, 4)}, {}, {"ratio": 0.3}, 1),
    ("dropout_12_mask", "Dropout", 12, {"x": f32(3, 4)}, {"ratio": np.array(0.5, np.float32)}, {}, 2),
    ("gemm_7", "Gemm", 7, {"a": f32(3, 4), "b": f32(5, 4)}, {"c": f32(5)}, {"transB": 1, "alpha": 0.5, "beta": 2.0}, 1),
    ("gemm_11_no_c", "Gemm", 11, {"a": f32(4, 3), "b": f32(4, 5)}, {}, {"transA": 1}, 1),
    ("reshape_7_wildcards", "Reshape", 7, {"x": f32(2, 3, 4)}, {"shape": i64([0, -1])}, {}, 1),
    ("flatten_11_axis0", "Flatten", 11, {"x": f32(2, 3, 4)}, {}, {"axis": 0}, 1),
    ("maxpool_8_indices", "MaxPool", 8, {"x": f32(1, 2, 5, 5)}, {},
     {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 1, 1]}, 2),
    ("avgpool_7_same", "AveragePool", 7, {"x": f32(1, 1, 5, 5)}, {},
     {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}, 1),
    ("conv_11_same_lower", "Conv", 11, {"x": f32(1, 2, 6, 5)}, {"w": f32(4, 1, 3, 3)},
     {"auto_pad": "SAME_LOWER", "group": 2, "strides": [2, 1]}, 1),
    ("cast_9_to_int", "Cast", 9, {"x": f32(3, 4) * 10}, {}, {"to": TensorProto.INT32}, 1),
    ("max_8_broadcast", "Max", 8, {"a": f32(3, 1), "b": f32(1, 4)}, {"c": f32(4)}, {}, 1),
    ("mean_8", "Mean", 8, {"a": f32(2, 3), "b": f32(2, 3)}, {}, {}, 1),
    ("gather_11_negative", "Gather", 11, {"x": f32(4, 3)}, {"i": i64([[-1, 0], [2, -4]])}, {"axis": 0}, 1),
    ("cumsum_11_reverse", "CumSum", 11, {"x": f32(3, 4)}, {"axis": np.array(1, np.int32)}, {"reverse": 1}, 1),
    ("onehot_11", "OneHot", 11, {"i": np.array([[0, 2], [-1, 1]], np.int64)},
     {"depth": np.array(3.0, np.float32), "values": np.array([-1.0, 2.0], np.float32)}, {"axis": 1}, 1),
    ("scatter_9", "Scatter", 9, {"x": f32(3, 3)}, {"i": i64([[1, 0, 2]]), "u": f32(1, 3)}, {"axis": 0}, 1),
    ("instancenorm_7", "InstanceNormalization", 7, {"x": f32(2, 3, 4)}, {"s": f32(3), "b": f32(3)}, {}, 1),
]


def value_info(name, array):
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape)


def build(name, op, opset, inputs, consts, attrs, n_out):
    node_inputs = list(inputs) + [("" if v is None else k) for k, v in consts.items()]
    outputs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node(op, node_inputs, outputs, name=name, **attrs)
    inits = [numpy_helper.from_array(v, k) for k, v in consts.items() if v is not None]
    graph = helper.make_graph([node], name, [value_info(k, v) for k, v in inputs.items()],
                              [helper.make_empty_tensor_value_info(o) for o in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    results = session.run(None, inputs)
    # Declare the output types onnxruntime computed, as an exporter would.
    del graph.output[:]
    graph.output.extend(value_info(o, r) for o, r in zip(outputs, results))
    return model, results


def main(out_dir):
    for name, op, opset, inputs, consts, attrs, n_out in CASES:
        model, results = build(name, op, opset, inputs, consts, attrs, n_out)
        case = os.path.join(out_dir, f"opset_{name}")
        data = os.path.join(case, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        onnx.save(model, os.path.join(case, "model.onnx"))
        for i, v in enumerate(inputs.values()):
            with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(v).SerializeToString())
        for i, v in enumerate(results):
            with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(v)).SerializeToString())
        with open(os.path.join(case, "meta.json"), "w") as f:
            json.dump({"rtol": 1e-5, "atol": 1e-6, "op": f"{op} (opset {opset})"}, f)
    print(f"wrote {len(CASES)} opset cases to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1])
