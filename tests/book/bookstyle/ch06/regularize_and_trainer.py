# coding: utf-8
# ruff: noqa: E401, E402, F401, F403, F405, I001  (the book's style on purpose: star imports, imports after sys.path)
# Written for xpnet's tests in the style of the book: a hand-written epoch loop with weight
# decay, BatchNorm and Dropout nets, then the Trainer on a shuffled train/validation split.
import os
import sys
sys.path.append(os.pardir)
import numpy as np
import matplotlib.pyplot as plt
from dataset.mnist import load_mnist
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import SGD, Adam
from common.trainer import Trainer
from common.util import shuffle_dataset

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
x_train, t_train = x_train[:200], t_train[:200]
x_test, t_test = x_test[:100], t_test[:100]

nets = {
    'decay': MultiLayerNet(input_size=784, hidden_size_list=[30, 30], output_size=10,
                           weight_decay_lambda=0.1),
    'batchnorm': MultiLayerNetExtend(input_size=784, hidden_size_list=[30, 30], output_size=10,
                                     weight_init_std=0.05, use_batchnorm=True),
    'dropout': MultiLayerNetExtend(input_size=784, hidden_size_list=[30, 30], output_size=10,
                                   use_dropout=True, dropout_ration=0.2),
}
rule = SGD(lr=0.05)
epochs = 3
batch = 50
per_epoch = max(x_train.shape[0] / batch, 1)
history = {key: [] for key in nets}
done = 0
for i in range(1000000):
    mask = np.random.choice(x_train.shape[0], batch)
    for key, net in nets.items():
        rule.update(net.params, net.gradient(x_train[mask], t_train[mask]))
    if i % per_epoch == 0:
        for key, net in nets.items():
            history[key].append((net.accuracy(x_train, t_train), net.accuracy(x_test, t_test)))
        print("epoch " + str(done) + ": " + str(history))
        done += 1
        if done >= epochs:
            break

n_val = int(x_train.shape[0] * 0.2)
x_train, t_train = shuffle_dataset(x_train, t_train)
x_val, t_val = x_train[:n_val], t_train[:n_val]
x_train, t_train = x_train[n_val:], t_train[n_val:]
trained = {}
for choice, param in (('sgd', {'lr': 0.05}), ('Adam', {'lr': 0.001})):
    network = MultiLayerNetExtend(input_size=784, hidden_size_list=[30], output_size=10,
                                  use_dropout=True, dropout_ration=0.1)
    trainer = Trainer(network, x_train, t_train, x_val, t_val, epochs=2, mini_batch_size=40,
                      optimizer=choice, optimizer_param=param, verbose=False,
                      evaluate_sample_num_per_epoch=30)
    trainer.train()
    trained[choice] = (trainer.train_acc_list, trainer.test_acc_list)

for k, (train_acc, val_acc) in enumerate(trained.values()):
    plt.subplot(1, 2, k + 1)
    plt.plot(np.arange(len(train_acc)), train_acc, marker='o', label='train')
    plt.plot(np.arange(len(val_acc)), val_acc, linestyle='--', label='val')
    plt.ylim(0, 1.0)
    plt.legend(loc='lower right')
plt.show()
