#!/usr/bin/env bash
# The device check of issue 13's GPU bullet, for a session lent a CUDA machine: one script,
# under 8 minutes on an H200, no Qt (the device image has torch but no PySide6).
#
#   OUT=/some/folder bash bench/gpu_check.sh      (from anywhere; default OUT: ./gpu_check_out)
#
# 1. tests/training with device auto = CUDA (the speed tests' CUDA case included);
# 2. bench/training.py throughput, LeNet-5 and Tiny-VGG, 1 round × 2 timed epochs: the
#    DataLoader, plain and expert loops, the engine, and the engine with torch.compile,
#    CUDA graphs (compile reduce-overhead), channels-last and bf16 autocast.
# Writes $OUT/gpu_check.md (the tables to paste into bench/README.md) and the full logs.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_check_out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
MD=$OUT/gpu_check.md

python -c "
import torch
gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else 'NO CUDA DEVICE'
print(f'# GPU check: {gpu}, torch {torch.__version__}\n')" > "$MD"

echo "## tests/training (device auto = CUDA)" >> "$MD"
timeout 150 python -m pytest tests/training -q -x -p no:cacheprovider > "$OUT/tests_training.log" 2>&1
echo "exit $?: $(tail -n 1 "$OUT/tests_training.log")" >> "$MD"
echo >> "$MD"

echo "## Throughput, samples/s (bench/training.py)" >> "$MD"
timeout 300 python bench/training.py --throughput --device cuda --rounds 1 --epochs 2 \
    --columns "DataLoader loop,plain loop,expert loop,engine" \
    --variants compile,reduce-overhead,channels-last,bf16 \
    --markdown "$MD" > "$OUT/bench_training.log" 2>&1
status=$?
echo "bench exit $status (124: timed out; the log has the rows it finished)" >> "$MD"
echo >> "$MD"
echo "Compile times and warnings:" >> "$MD"
grep -E '^  \[' "$OUT/bench_training.log" | sed 's/^ */- /' >> "$MD"
cat "$MD"
