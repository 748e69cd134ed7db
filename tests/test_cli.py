"""The headless command line: summary, validate, export, examples; exit codes and messages."""

import json
import subprocess
import sys

import pytest

from designer.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_table(capsys):
    code, out, _ = run(capsys, "summary", "lenet5")
    assert code == 0
    assert "conv2       Conv2d     16×10×10       2,416  240,000  14" in out
    assert "Total params: 61,706" in out


def test_summary_json(capsys):
    code, out, _ = run(capsys, "summary", "lenet5", "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) >= {"name", "layers", "total_params", "trainable_params", "total_macs", "issues"}
    conv1 = data["layers"][1]
    assert conv1 == {"id": "conv1", "type": "Conv2d", "output_shape": [6, 28, 28], "params": 156,
                     "macs": 117600, "receptive_field": [5, 5]}
    assert data["total_params"] == 61706 and data["issues"] == []


def test_validate_exit_codes(capsys, tmp_path):
    assert run(capsys, "validate", "lenet5")[0] == 0
    bad = json.loads(open("examples/lenet5.json").read())
    bad["nodes"][1]["params"]["kernel_size"] = 40
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert "Conv2d conv1: kernel 40 is larger than the padded input 32×32" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{ nope")
    code, _, err = run(capsys, "validate", str(broken))
    assert code == 2 and "line 1, column 3" in err and "Traceback" not in err
    code, _, err = run(capsys, "validate", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err


def test_export_python_refuses_invalid_design(capsys, tmp_path):
    bad = json.loads(open("examples/lenet5.json").read())
    bad["edges"] = bad["edges"][:-1]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    code, _, err = run(capsys, "export", str(path), "-o", str(tmp_path / "x.py"))
    assert code == 1 and "cannot be compiled" in err
    assert not (tmp_path / "x.py").exists()


def test_export_unknown_format(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["export", "lenet5", "--format", "docx", "-o", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "invalid choice: 'docx'" in err and "'onnx'" in err


def test_examples_lists_lenet(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0 and out.startswith("") and "lenet5" in out


def test_headless_commands_import_neither_qt_nor_torch():
    code = (
        "import sys; from designer.cli import main; main(['summary', 'lenet5']); "
        "bad = [m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules]; "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_console_script_version():
    result = subprocess.run([sys.executable, "-m", "designer", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("designer ")
