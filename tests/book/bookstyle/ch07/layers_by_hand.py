# coding: utf-8
# ruff: noqa: E401, E402, F401, F403, F405, I001  (the book's style on purpose: star imports, imports after sys.path)
# Written for xpnet's tests in the style of the book: the layer classes, functions, im2col and
# the numerical gradient used directly on NumPy arrays, and a histogram of activations.
import sys, os
sys.path.append(os.pardir)
import matplotlib.pyplot as plt
from common.layers import *
from common.functions import sigmoid, relu, softmax, cross_entropy_error
from common.gradient import numerical_gradient
from common.util import im2col, col2im, conv_output_size

images = np.random.rand(2, 1, 8, 8).astype(np.float32)
filters = np.random.randn(3, 1, 3, 3).astype(np.float32)
conv = Convolution(filters, np.zeros(3, dtype=np.float32))
pool = Pooling(pool_h=2, pool_w=2, stride=2)
act = Relu()
maps = pool.forward(act.forward(conv.forward(images)))
size = conv_output_size(8, 3, 1, 0)
cols = im2col(images, 3, 3, stride=1, pad=0)
back = col2im(cols, images.shape, 3, 3, stride=1, pad=0)

dense = Affine(np.random.randn(27, 10).astype(np.float32) * 0.1, np.zeros(10, dtype=np.float32))
scores = dense.forward(maps.reshape(2, -1))
loss_layer = SoftmaxWithLoss()
labels = np.array([3, 7])
loss = loss_layer.forward(scores, labels)
dscores = loss_layer.backward(1)
by_hand = cross_entropy_error(softmax(scores), labels)

drop = Dropout(0.5)
norm = BatchNormalization(np.ones(10, dtype=np.float32), np.zeros(10, dtype=np.float32))
squash = Sigmoid()
squashed = squash.forward(norm.forward(drop.forward(scores, train_flg=False), train_flg=True))

point = np.array([3.0, -2.0])
slope = numerical_gradient(lambda p: np.sum(p**2), point)

activations = {}
z = np.random.randn(500, 50)
for i, f in enumerate((sigmoid, relu)):
    z = f(np.dot(z, np.random.randn(50, 50) * np.sqrt(1.0 / 50)))
    activations[i] = z
for i, a in activations.items():
    plt.subplot(1, len(activations), i + 1)
    plt.title(str(i + 1) + "-layer")
    plt.hist(a.flatten(), 30, range=(0, 1))
plt.show()
