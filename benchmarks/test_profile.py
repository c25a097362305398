"""The profiler accounts for a whole step, fused steps included."""

from xpnet.layers import MaxPoolReLU

from .profile import profile


def test_the_profile_times_the_fused_pooling_step_and_sums_to_the_step():
    forward = MaxPoolReLU.forward
    per_step, parts = profile("simpleconvnet", steps=1)
    assert MaxPoolReLU.forward is forward  # the class is left as it was
    assert parts["MaxPoolReLU forward"] > 0 and parts["MaxPoolReLU backward"] > 0  # made anew each pass
    assert {"Conv forward", "Conv backward", "Adam update", "Loss forward"} <= set(parts)
    assert abs(sum(parts.values()) - per_step) < 1e-9 * max(per_step, 1.0)
    assert parts["outside the layers and Adam"] < per_step
