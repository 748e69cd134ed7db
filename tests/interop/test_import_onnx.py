"""ONNX in: a design exported to ONNX comes back through onnx2torch as the same design (same
ids, types and parameters) computing the same outputs."""

from __future__ import annotations

import pytest
import torch

from designer.analysis import analyze
from designer.cli import load_design, main
from designer.compiler.fx_builder import compile_design
from designer.compiler.importer import ModelImportError, import_model
from designer.compiler.weights import design_weights

pytest.importorskip("onnx2torch")


@pytest.mark.parametrize("example", ["lenet5", "digits_cnn"])
def test_design_to_onnx_and_back_is_the_same_design(example, tmp_path):
    original = load_design(example)
    path = tmp_path / f"{example}.onnx"
    assert main(["export", example, "-f", "onnx", "-o", str(path)]) == 0
    result = import_model(str(path))
    a, b = analyze(original), analyze(result.graph)
    # ONNX holds the inference graph: dropout (identity when evaluating) is not in the file.
    assert [(n, a.nodes[n].type, a.nodes[n].resolved) for n in a.order
            if n != "output" and not a.nodes[n].type.startswith("Dropout")] == \
           [(n, b.nodes[n].type, b.nodes[n].resolved) for n in b.order if n != "output"]
    compiled = compile_design(result.graph)
    result.copy_weights(compiled)
    reference = design_weights(original)  # the weights the export wrote (seed 0)
    x = torch.randn(2, *a.input_shape)
    with torch.no_grad():
        assert (compiled.eval()(x) - reference(x)).abs().max().item() <= 1e-5


def test_missing_onnx_file(tmp_path):
    with pytest.raises(ModelImportError, match="no ONNX file"):
        import_model(str(tmp_path / "nope.onnx"))
