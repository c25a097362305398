# coding: utf-8
# ruff: noqa: E401, E402, F401, F403, F405, I001  (the book's style on purpose: star imports, imports after sys.path)
# Written for xpnet's tests in the style of the book's chapter-6 scripts: every update rule
# trains its own small MultiLayerNet on the same NumPy-drawn batches, the losses are smoothed
# and drawn. NumPy comes from the star import, as it does for the book's readers.
import os
import sys
sys.path.append(os.pardir)
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist
from common.multi_layer_net import MultiLayerNet
from common.optimizer import *
from common.util import smooth_curve

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
n_train = x_train.shape[0]
n_steps = 15
n_batch = 32

rules = {'SGD': SGD(lr=0.1), 'Momentum': Momentum(lr=0.05), 'Nesterov': Nesterov(lr=0.05),
         'AdaGrad': AdaGrad(lr=0.05), 'RMSprop': RMSprop(lr=0.002), 'Adam': Adam(lr=0.002)}
starts = {'SGD': 0.01, 'Momentum': 'sigmoid', 'Nesterov': 'relu',
          'AdaGrad': 'he', 'RMSprop': 'xavier', 'Adam': 'relu'}
nets = {}
curves = {}
for name in rules:
    nets[name] = MultiLayerNet(input_size=784, hidden_size_list=[30, 30], output_size=10,
                               weight_init_std=starts[name])
    curves[name] = []

for step in range(n_steps):
    picked = np.random.choice(n_train, n_batch)
    xb = x_train[picked]
    tb = t_train[picked]
    for name in rules:
        grads = nets[name].gradient(xb, tb)
        rules[name].update(nets[name].params, grads)
        curves[name].append(nets[name].loss(xb, tb))
    if step % 5 == 0:
        print("step " + str(step) + " | " + ", ".join(k + "=" + str(v[-1]) for k, v in curves.items()))

steps = np.arange(n_steps)
for name in rules:
    plt.plot(steps, smooth_curve(curves[name]), markevery=5, label=name)
plt.xlabel("iterations")
plt.ylabel("loss")
plt.legend()
plt.show()
