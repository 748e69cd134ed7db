"""Coverage of `designer import` over a sample of timm models (small variants, one or two per
family), like bench/import_zoo.py: imports? max abs diff of the compiled design in eval mode
with the original's weights, opaque Module call nodes, and the first refusal line. timm is a
test-only dependency; CPU heavy, run once.

    PYTHONPATH=$PWD nice -n 10 python bench/import_timm.py [NAME ...]
"""

from __future__ import annotations

import sys
import time
import warnings

import torch

from designer.compiler.fx_builder import compile_design
from designer.compiler.import_opaque import recording_constructors
from designer.compiler.importer import ModelImportError, import_module

SAMPLE = [
    "resnet18", "resnet26d", "resnext26ts", "seresnet18", "regnetx_002", "regnety_002", "densenet121",
    "dla34", "dpn68", "cspresnet50", "cspdarknet53", "ghostnet_100", "rexnet_100", "hrnet_w18_small",
    "inception_v3", "xception41", "vovnet39a", "ese_vovnet19b_dw", "repvgg_a0", "mobilenetv2_050",
    "mobilenetv3_small_050", "mobilenetv4_conv_small", "efficientnet_b0", "tf_efficientnet_lite0",
    "mnasnet_050", "fbnetc_100", "convnext_atto", "convnextv2_atto", "poolformer_s12", "resmlp_12_224",
    "mixer_s16_224", "vit_tiny_patch16_224", "deit_tiny_patch16_224", "swin_tiny_patch4_window7_224",
    "levit_128s", "coat_lite_tiny", "pit_ti_224", "tnt_s_patch16_224", "crossvit_tiny_240",
    "cait_xxs24_224", "edgenext_xx_small", "mobilevit_xxs", "efficientvit_b0", "tiny_vit_5m_224",
    "nfnet_l0", "res2net50_26w_4s", "selecsls42b", "hardcorenas_a", "lcnet_050", "gernet_s",
]
#: Models fixed to an input size by construction run at it; the rest at 64×64.
FIXED = ("224", "240", "mixer", "levit", "swin", "vit", "deit", "coat", "pit", "tnt", "crossvit", "cait")


def measure(name: str) -> str:
    import timm

    size = 240 if "240" in name else 224 if any(k in name for k in FIXED) else 96 if "inception" in name else 64
    start = time.perf_counter()
    try:
        with recording_constructors():
            model = timm.create_model(name, pretrained=False)
        result = import_module(model, (3, size, size), name)
    except ModelImportError as exc:
        first = str(exc).splitlines()
        why = first[1].strip(" -") if len(first) > 1 else first[0]
        return f"| {name} | {size} | no | | {why[:110]} |"
    except Exception as exc:  # timm itself failed to build the model
        return f"| {name} | {size} | (timm: {type(exc).__name__}) | | |"
    compiled = compile_design(result.graph)
    result.copy_weights(compiled)
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        diff = (compiled.eval()(x) - model.eval()(x)).abs().max().item()
    opaque = sum(1 for n in result.graph if n.type == "ModuleCall")
    return (f"| {name} | {size} | yes ({time.perf_counter() - start:.0f} s) | {opaque} | "
            f"max abs diff {diff:.1e} |")


def main(names: list[str]) -> None:
    warnings.filterwarnings("ignore")
    print("| timm model | input | imports | opaque nodes | result |")
    print("|---|---|---|---|---|")
    for name in names or SAMPLE:
        print(measure(name), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
