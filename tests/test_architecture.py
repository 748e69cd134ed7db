"""The layering of the package (import-linter contracts in pyproject.toml) holds.

Runs import-linter through its Python API, in this process: no dependency on PATH or on a
console script being installed."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_layer_contracts_hold(capsys):
    use_cases = pytest.importorskip("importlinter.application.use_cases")
    pytest.importorskip("importlinter.api")  # configures import-linter's adapters
    passed = use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None,
                                    no_logo=True, is_debug_mode=True)
    out = capsys.readouterr().out
    assert passed, out
    assert "Contracts: 2 kept, 0 broken" in out, out
