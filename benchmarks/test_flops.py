"""The matrix-product count behind the report's ceiling table, checked against hand counts."""

from .flops import step_flops
from .nets import BY_NAME
from .summary import flops_table


def test_mlp_flops_by_hand():
    fwd = 2 * 128 * (784 * 100 + 3 * 100 * 100 + 100 * 10)
    first_dx = 2 * 128 * 784 * 100  # never computed: the input needs no gradient
    assert step_flops(BY_NAME["mlp"]) == {"train": 3 * fwd - first_dx, "infer": fwd}


def test_simpleconvnet_flops_by_hand():
    conv = 2 * 30 * 1 * 5 * 5 * 24 * 24  # per image: 30 filters of 1x5x5 over 24x24 outputs
    affine = 2 * (30 * 12 * 12 * 100 + 100 * 10)
    flops = step_flops(BY_NAME["simpleconvnet"])
    assert flops["infer"] == 100 * (conv + affine)
    assert flops["train"] == 100 * (2 * conv + 3 * affine)


def test_ceiling_is_peer_time_over_gemm_only_time():
    rows = [{"network": "mlp", "kind": "train", "impl": "xpnet-numpy", "samples_per_s": 200.0, "batch": 100},
            {"network": "mlp", "kind": "train", "impl": "torch", "samples_per_s": 100.0, "batch": 100}]
    table = flops_table(rows, {"mlp": {"train": 2e9, "infer": 1e9}}, peak_gflops=100.0)
    line = table.splitlines()[-1]
    # 2 GFLOP at 100 GFLOP/s = 20 ms of GEMMs; torch's step 1 s: at most 50x
    assert line == "| mlp | 2.00 | 4 | 2 | 20.0 ms | 1000.0 ms | 50.00× |"
    own = flops_table(rows, {"mlp": {"train": 2e9, "infer": 1e9}}, 100.0, {"mlp": 250.0}).splitlines()
    # the network's own products took 250 ms alone: torch's 1 s step allows at most 4x
    assert own[-1] == "| mlp | 2.00 | 4 | 2 | 20.0 ms | 1000.0 ms | 50.00× | 250.0 ms | 4.00× |"
    assert own[0].count("|") == own[1].count("|") == own[-1].count("|")


def test_the_products_of_a_step_are_each_layers_three_products_but_the_first_dx():
    from .flops import products_ms, step_products

    shapes = step_products(BY_NAME["simpleconvnet"])
    conv = (30, 25, 100 * 24 * 24)
    assert shapes["infer"] == [conv, (100, 4320, 100), (100, 100, 10)]
    assert shapes["train"][:2] == [conv, (30, 100 * 24 * 24, 25)]  # forward and dW, no dx
    assert (4320, 100, 100) in shapes["train"] and (100, 100, 4320) in shapes["train"]
    assert products_ms([(8, 8, 8)], repeats=1) > 0.0



def test_targets_give_the_ratio_within_each_repeat_too():
    from .summary import targets

    rows = [{"network": "mlp", "kind": "train", "impl": "xpnet-numpy", "samples_per_s": 300.0,
             "samples_per_s_runs": [300.0, 150.0], "batch": 1},
            {"network": "mlp", "kind": "train", "impl": "torch", "samples_per_s": 200.0,
             "samples_per_s_runs": [100.0, 200.0], "batch": 1}]
    mlp = next(t for t in targets(rows) if t["network"] == "mlp" and t["peer"] == "torch")
    assert mlp["measured"] == 1.5 and mlp["per_run"] == [3.0, 0.75] and mlp["met"] is False
