# coding: utf-8
# ruff: noqa: E401, E402, E731, F401, F403, F405, I001  (the book's style on purpose: star imports, imports after sys.path)
# Written for xpnet's tests in the style of the book: an optimizer moving two Python floats
# down a bowl (params rebound by update, never arrays), one panel per update rule.
import sys, os
sys.path.append(os.pardir)
import numpy as np
import matplotlib.pyplot as plt
from collections import OrderedDict
from common.optimizer import *


bowl = lambda x, y: x * x / 8.0 + y * y  # a valley four times longer in x than in y
start = (-6.0, 3.0)
params = {}
grads = {}
rules = OrderedDict()
rules['SGD'] = SGD(lr=0.4)
rules['Momentum'] = Momentum(lr=0.08)
rules['Nesterov'] = Nesterov(lr=0.08)
rules['AdaGrad'] = AdaGrad(lr=1.0)
rules['RMSprop'] = RMSprop(lr=0.3)
rules['Adam'] = Adam(lr=0.4)
paths = {}

for panel, name in enumerate(rules):
    params['x'], params['y'] = start
    xs, ys = [], []
    for step in range(20):
        xs.append(params['x'])
        ys.append(params['y'])
        grads['x'] = params['x'] / 4.0
        grads['y'] = params['y'] * 2.0
        rules[name].update(params, grads)
    paths[name] = (xs, ys)

    gx, gy = np.meshgrid(np.arange(-8, 8, 0.05), np.arange(-4, 4, 0.05))
    plt.subplot(2, 3, panel + 1)
    plt.contour(gx, gy, bowl(gx, gy))
    plt.plot(xs, ys, 'o-', color="blue")
    plt.plot(0, 0, '+')
    plt.title(name)
plt.show()
