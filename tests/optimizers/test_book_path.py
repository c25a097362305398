"""The book's 2-D experiment (optimizer_compare_naive.py): f(x, y) = x²/20 + y² from (−7, 2),
30 steps. Each optimizer's whole path must equal its update formulas, written out below
independently in plain Python floats, within 1e-12 (float64, every backend).

The book's script holds the position as Python floats; the same paths must come out when
``params`` holds Python floats (rebound by each update) instead of arrays.

Learning rates: the book's (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3); the others are
chosen to move visibly in 30 steps.
"""

import math

import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.testing import assert_close

START, STEPS = (-7.0, 2.0), 30


def grad_f(x, y):
    return x / 10.0, 2.0 * y


def reference_path(update):
    """Positions after each step; ``update(p, g, s, t)`` -> new p, for one coordinate."""
    pos, states, path = list(START), [{}, {}], []
    for t in range(1, STEPS + 1):
        g = grad_f(*pos)
        pos = [update(pos[i], g[i], states[i], t) for i in range(2)]
        path.append(tuple(pos))
    return path


def sgd(lr):
    return lambda p, g, s, t: p - lr * g


def momentum(lr, mu):
    def update(p, g, s, t):
        s["v"] = mu * s.get("v", 0.0) - lr * g
        return p + s["v"]
    return update


def nesterov_book(lr, mu):
    # the book's common/optimizer.py since 2021 (commit 89eadd0), Bengio et al. (2012):
    # p += mu^2 * v_old - (1 + mu)*lr*g, then v = mu*v_old - lr*g
    def update(p, g, s, t):
        v_old = s.get("v", 0.0)
        s["v"] = mu * v_old - lr * g
        return p + mu * mu * v_old - (1 + mu) * lr * g
    return update


def nesterov_book_2016(lr, mu):
    # the book's code before 2021: v updated first, then p += mu*mu*v_new - (1 + mu)*lr*g
    def update(p, g, s, t):
        s["v"] = mu * s.get("v", 0.0) - lr * g
        return p + mu * mu * s["v"] - (1 + mu) * lr * g
    return update


def nesterov_torch(lr, mu):
    # torch.optim.SGD(nesterov=True): b = mu*b + g; p -= lr*(g + mu*b)
    def update(p, g, s, t):
        s["b"] = mu * s.get("b", 0.0) + g
        return p - lr * (g + mu * s["b"])
    return update


def adagrad(lr, eps=1e-7):
    def update(p, g, s, t):
        s["h"] = s.get("h", 0.0) + g * g
        return p - lr * g / (math.sqrt(s["h"]) + eps)
    return update


def rmsprop(lr, rho, eps=1e-7):
    def update(p, g, s, t):
        s["h"] = rho * s.get("h", 0.0) + (1 - rho) * g * g
        return p - lr * g / (math.sqrt(s["h"]) + eps)
    return update


def adadelta(lr, rho, eps):
    def update(p, g, s, t):
        s["h"] = rho * s.get("h", 0.0) + (1 - rho) * g * g
        delta = math.sqrt(s.get("d", 0.0) + eps) / math.sqrt(s["h"] + eps) * g
        s["d"] = rho * s.get("d", 0.0) + (1 - rho) * delta * delta
        return p - lr * delta
    return update


def adam_book(lr, b1, b2, eps=1e-7):
    def update(p, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        return p - lr_t * s["m"] / (math.sqrt(s["v"]) + eps)
    return update


def adam_paper(lr, b1, b2, eps, weight_decay=0.0):
    # Kingma & Ba's m_hat / (sqrt(v_hat) + eps); with weight_decay, AdamW's p *= 1 - lr*wd first
    def update(p, g, s, t):
        p = p * (1 - lr * weight_decay)
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
        return p - lr * m_hat / (math.sqrt(v_hat) + eps)
    return update


def adamax(lr, b1, b2, eps):
    def update(p, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["u"] = max(b2 * s.get("u", 0.0), abs(g) + eps)
        return p - lr / (1 - b1**t) * s["m"] / s["u"]
    return update


def nadam(lr, b1, b2, eps, psi):
    # Dozat's Nadam with torch's momentum schedule mu_t = b1 (1 - 0.5 * 0.96^(t psi))
    def mu(t):
        return b1 * (1 - 0.5 * 0.96 ** (t * psi))

    def update(p, g, s, t):
        prod = s.get("prod", 1.0) * mu(t)
        s["prod"] = prod
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_bar = (1 - mu(t)) / (1 - prod) * g + mu(t + 1) / (1 - prod * mu(t + 1)) * s["m"]
        return p - lr * m_bar / (math.sqrt(s["v"] / (1 - b2**t)) + eps)
    return update


CASES = {
    "SGD": (lambda: xo.SGD(lr=0.95), sgd(0.95)),
    "Momentum": (lambda: xo.Momentum(lr=0.1), momentum(0.1, 0.9)),
    "Nesterov (book)": (lambda: xo.Nesterov(lr=0.1), nesterov_book(0.1, 0.9)),
    "Nesterov (book-2016)": (lambda: xo.Nesterov(lr=0.1, form="book-2016"), nesterov_book_2016(0.1, 0.9)),
    "SGD(nesterov=True)": (lambda: xo.SGD(lr=0.1, momentum=0.9, nesterov=True), nesterov_book(0.1, 0.9)),
    "Nesterov (torch)": (lambda: xo.Nesterov(lr=0.1, form="torch"), nesterov_torch(0.1, 0.9)),
    "AdaGrad": (lambda: xo.AdaGrad(lr=1.5), adagrad(1.5)),
    "RMSprop": (lambda: xo.RMSprop(lr=0.1), rmsprop(0.1, 0.99)),
    "AdaDelta": (lambda: xo.AdaDelta(lr=1.0), adadelta(1.0, 0.95, 1e-6)),
    "Adam (book)": (lambda: xo.Adam(lr=0.3), adam_book(0.3, 0.9, 0.999)),
    "Adam (torch)": (lambda: xo.Adam(lr=0.3, form="torch"), adam_paper(0.3, 0.9, 0.999, 1e-7)),
    "AdamW": (lambda: xo.AdamW(lr=0.3, weight_decay=0.1), adam_paper(0.3, 0.9, 0.999, 1e-7, 0.1)),
    "Adamax": (lambda: xo.Adamax(lr=0.3), adamax(0.3, 0.9, 0.999, 1e-7)),
    "Nadam": (lambda: xo.Nadam(lr=0.3), nadam(0.3, 0.9, 0.999, 1e-7, 0.004)),
    "Nadam (constant mu)": (lambda: xo.Nadam(lr=0.3, momentum_decay=math.inf),
                            nadam(0.3, 0.9, 0.999, 1e-7, math.inf)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_book_experiment_path_equals_the_formulas(float64, name):
    make, update = CASES[name]
    params = {"x": xpnet.asarray([START[0]]), "y": xpnet.asarray([START[1]])}
    opt = make()
    for step, (x, y) in enumerate(reference_path(update), start=1):
        grads = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
        opt.update(params, grads)
        assert_close(params["x"], [x], rtol=1e-12, atol=1e-12, xp=float64, dtype=float64.float64)
        assert_close(params["y"], [y], rtol=1e-12, atol=1e-12, xp=float64, dtype=float64.float64)
    assert opt.t == STEPS
    assert abs(x - START[0]) > 0.01, "the path must move for the comparison to mean anything"


def test_book_nesterov_differs_from_its_2016_order_on_the_path():
    """The two reference Nesterovs are far apart here (0.37 at most in a coordinate), so each
    row above can fail."""
    new = reference_path(nesterov_book(0.1, 0.9))
    old = reference_path(nesterov_book_2016(0.1, 0.9))
    assert max(abs(a[i] - b[i]) for a, b in zip(new, old) for i in range(2)) > 0.3


@pytest.mark.parametrize("name", list(CASES))
def test_python_float_params_are_rebound_like_the_books_script(xp, name):
    """optimizer_compare_naive.py keeps params['x'] as Python floats and records each one: the
    optimizer must replace them (as ``params[key] -= ...`` does) with new floats on the path."""
    make, update = CASES[name]
    params = {"x": START[0], "y": START[1]}
    opt = make()
    history = []
    for x, y in reference_path(update):
        history.append(params["x"])
        opt.update(params, dict(zip("xy", grad_f(params["x"], params["y"]))))
        assert type(params["x"]) is float and type(params["y"]) is float
        assert math.isclose(params["x"], x, rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(params["y"], y, rel_tol=1e-12, abs_tol=1e-12)
    assert len(set(history)) == STEPS, "each recorded position must be its own value"
    for slot in opt.state.values():
        for state in slot.values():
            assert xpnet.backend.array_namespace(state) is xp and state.shape == ()


def test_number_and_array_params_can_be_mixed(xp):
    params = {"w": xpnet.asarray([1.0, -2.0]), "s": 3}
    w = params["w"]
    xo.Momentum(lr=0.5).update(params, {"w": xpnet.asarray([1.0, 1.0]), "s": 2.0})
    assert params["w"] is w and params["w"].dtype == xp.float32, "arrays stay in place, float32"
    assert_close(w, [0.5, -2.5], xp=xp, dtype=xp.float32)
    assert params["s"] == 2.0 and type(params["s"]) is float


@pytest.mark.parametrize(("params", "grads", "error", "message"), [
    ({"x": 1.0}, {"x": [1.0]}, TypeError, r"parameter 'x' is a number, but its gradient is a list"),
    ({"x": 1.0}, {"x": "zero"}, TypeError, r"parameter 'x' is a number, but its gradient is a str"),
    ({"x": True}, {"x": 1.0}, TypeError, r"parameter 'x' must be an array or a number, got bool"),
    ({"x": [1.0]}, {"x": 1.0}, TypeError, r"parameter 'x' must be an array or a number, got list"),
])
def test_bad_number_params_raise_and_change_nothing(xp, params, grads, error, message):
    opt = xo.Momentum()
    before = dict(params)
    with pytest.raises(error, match=message):
        opt.update(params, grads)
    assert params == before and opt.t == 0 and opt.state == {"v": {}}


def test_number_param_with_an_array_gradient_of_the_wrong_shape(xp):
    with pytest.raises(ValueError, match=r"parameter 'x' is a number, but its gradient has shape \(2,\)"):
        xo.SGD().update({"x": 1.0}, {"x": xpnet.asarray([1.0, 2.0])})
    message = r"gradient 'w' is a float, but its parameter is an array of shape \(2,\)"
    with pytest.raises(TypeError, match=message):
        xo.SGD().update({"w": xpnet.asarray([1.0, 2.0])}, {"w": 1.0})
