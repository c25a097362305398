# coding: utf-8
# ruff: noqa: E401, E402, F401, F403, F405, I001  (the book's style on purpose: star imports, imports after sys.path)
# Written for xpnet's tests in the style of the book: backprop against the numerical gradient
# of a BatchNorm net on a single one-hot sample (xpnet only warns about the one sample here).
import sys, os
sys.path.append(os.pardir)
import numpy as np
from dataset.mnist import load_mnist
from common.multi_layer_net_extend import MultiLayerNetExtend

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
x_one = x_train[:1, ::16]
t_one = t_train[:1]
network = MultiLayerNetExtend(input_size=49, hidden_size_list=[6, 6], output_size=10,
                              use_batchnorm=True)
backprop = network.gradient(x_one, t_one)
numerical = network.numerical_gradient(x_one, t_one)
gaps = {}
for key in numerical:
    gaps[key] = float(np.average(np.abs(np.asarray(backprop[key]) - np.asarray(numerical[key]))))
    print(key + ":" + str(gaps[key]))
