# coding: utf-8
# ruff: noqa: E401, E402, F401, F403, F405, I001  (the book's style on purpose: star imports, imports after sys.path)
# Written for xpnet's tests in the style of the book's chapter 7: a small SimpleConvNet from the
# script's own folder, trained by the Trainer, saved with save_params and loaded again.
import sys, os
sys.path.append(os.pardir)
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist
from simple_convnet import SimpleConvNet
from common.trainer import Trainer

(x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
x_train, t_train = x_train[:300], t_train[:300]
x_test, t_test = x_test[:100], t_test[:100]

shape = {'filter_num': 4, 'filter_size': 5, 'pad': 0, 'stride': 1}
network = SimpleConvNet(input_dim=(1, 28, 28), conv_param=shape, hidden_size=20, output_size=10,
                        weight_init_std=0.01)
trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=2, mini_batch_size=50,
                  optimizer='Adam', optimizer_param={'lr': 0.002}, evaluate_sample_num_per_epoch=50)
trainer.train()
network.save_params("params.pkl")

again = SimpleConvNet(input_dim=(1, 28, 28), conv_param=shape, hidden_size=20, output_size=10)
again.load_params("params.pkl")
same = again.accuracy(x_test, t_test) == network.accuracy(x_test, t_test)
print("reloaded: " + str(same))

epochs = np.arange(len(trainer.train_acc_list))
plt.plot(epochs, trainer.train_acc_list, marker='o', label='train')
plt.plot(epochs, trainer.test_acc_list, marker='s', label='test')
plt.legend(loc='lower right')
plt.show()
fig = plt.figure()
for i in range(4):
    ax = fig.add_subplot(1, 4, i + 1, xticks=[], yticks=[])
    ax.imshow(np.asarray(network.params['W1'])[i, 0], cmap=plt.cm.gray_r)
plt.show()
