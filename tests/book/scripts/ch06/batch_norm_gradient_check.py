# The book's ch06/batch_norm_gradient_check.py (oreilly-japan/deep-learning-from-scratch, MIT licence),
# run on xpnet: the imports changed, the hidden layers are smaller, and the batch holds two samples.
# Every changed line says 'xpnet:'.
# xpnet: no sys.path line
import numpy as np
from xpnet.datasets import load_mnist  # xpnet: was dataset.mnist
from xpnet.models import MultiLayerNetExtend  # xpnet: was common.multi_layer_net_extend

# データの読み込み
(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)

network = MultiLayerNetExtend(input_size=784, hidden_size_list=[10, 10], output_size=10,
                              use_batchnorm=True)  # xpnet: hidden_size_list was [100, 100]

x_batch = x_train[:2]  # xpnet: was [:1]; BatchNormalization refuses to train on one sample
t_batch = t_train[:2]  # xpnet: was [:1] (its variance is 0: every output is beta, as torch says)

grad_backprop = network.gradient(x_batch, t_batch)
grad_numerical = network.numerical_gradient(x_batch, t_batch)


for key in grad_numerical.keys():
    diff = np.average( np.abs(grad_backprop[key] - grad_numerical[key]) )
    print(key + ":" + str(diff))
