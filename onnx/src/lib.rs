//! ONNX import
