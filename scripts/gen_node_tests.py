"""Writes the ONNX backend node tests as files Strata's conformance runner reads.

The `onnx` wheel ships the generators of the node tests, not their data. This drives them
(`collect_testcases`) and writes, per case:

    <out>/<case>/model.onnx
    <out>/<case>/meta.json                       {"rtol": .., "atol": .., "op": ..,
                                                  "sequences": [file stem, ..]?, "skip": reason?}
    <out>/<case>/test_data_set_0/input_<i>.pb    TensorProto, or SequenceProto when listed
    <out>/<case>/test_data_set_0/output_<i>.pb   in "sequences"

Sequences of tensors are written as SequenceProto (Strata compiles them at the length the
data gives). Cases with other values (maps, optionals, sequences of sequences) get a `skip`
reason instead of data.
"""

import json
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test.case.node import collect_testcases


def as_tensor_proto(value, name):
    if isinstance(value, onnx.TensorProto):
        return value
    if isinstance(value, np.ndarray):
        return numpy_helper.from_array(value, name)
    if isinstance(value, (np.generic, int, float, bool)):
        return numpy_helper.from_array(np.array(value), name)
    return None


def as_sequence_proto(value, name):
    if not isinstance(value, list):
        return None
    elements = [as_tensor_proto(v, f"{name}_{i}") for i, v in enumerate(value)]
    if any(e is None for e in elements):
        return None
    seq = onnx.SequenceProto(name=name, elem_type=onnx.SequenceProto.TENSOR)
    seq.tensor_values.extend(elements)
    return seq


def main(out_dir):
    warnings.simplefilter("ignore")
    os.makedirs(out_dir, exist_ok=True)
    cases = collect_testcases()
    # The op under test: the node's type, or for an "_expanded" case (the op's function
    # body inlined) the type of the case it was expanded from.
    op_of = {c.name: c.model.graph.node[0].op_type for c in cases if len(c.model.graph.node) == 1}
    written = 0
    for case in cases:
        case_dir = os.path.join(out_dir, case.name)
        data_dir = os.path.join(case_dir, "test_data_set_0")
        os.makedirs(data_dir, exist_ok=True)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        base = case.name.split("_expanded")[0]
        op = op_of.get(case.name) or op_of.get(base) or "(" + base + ")"
        meta = {"rtol": case.rtol, "atol": case.atol, "op": op}
        inputs, outputs = case.data_sets[0]
        protos = []
        sequences = []
        for kind, values in (("input", inputs), ("output", outputs)):
            for i, value in enumerate(values):
                proto = as_tensor_proto(value, f"{kind}_{i}")
                if proto is None:
                    proto = as_sequence_proto(value, f"{kind}_{i}")
                    if proto is not None:
                        sequences.append(f"{kind}_{i}")
                if proto is None:
                    meta["skip"] = f"{kind} {i} is a {type(value).__name__}, not a tensor"
                    break
                protos.append((f"{kind}_{i}.pb", proto))
        if sequences and "skip" not in meta:
            meta["sequences"] = sequences
        if "skip" not in meta:
            for file_name, proto in protos:
                with open(os.path.join(data_dir, file_name), "wb") as f:
                    f.write(proto.SerializeToString())
        with open(os.path.join(case_dir, "meta.json"), "w") as f:
            json.dump(meta, f)
        written += 1
    print(f"wrote {written} node test cases to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1])
