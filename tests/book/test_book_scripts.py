"""The book's chapter-6/7 scripts run with only their imports changed.

Each function below is the body of one script of the book's repository (ch06/, ch07/), kept line
for line as the book writes it — NumPy indexing with ``np.random.choice`` masks, ``network.params``,
``optimizer.update``, the ``Trainer`` and its lists — with only the sizes shrunk so that the suite
stays fast. They run on the NumPy backend because the scripts themselves are NumPy code
(``x_train[batch_mask]``); the library underneath is the same one every other test runs on every
backend.
"""

import math

import numpy as np
import pytest

import xpnet

# -- the changed imports: `from common.multi_layer_net import MultiLayerNet` and so on ---------
from xpnet.datasets import load_mnist
from xpnet.functions import shuffle_dataset, smooth_curve
from xpnet.models import MultiLayerNet, MultiLayerNetExtend, SimpleConvNet
from xpnet.optimizers import SGD, AdaGrad, Adam, Momentum
from xpnet.training import Trainer


@pytest.fixture(autouse=True)
def _numpy_backend(monkeypatch):
    monkeypatch.setenv("DL_BACKEND", "numpy")
    np.random.seed(0)  # the scripts' own batch masks
    xpnet.seed(0)  # initial weights, dropout, the Trainer's shuffling


def _mnist(**kwargs):
    return load_mnist(source="embedded", **kwargs)


def test_ch06_optimizer_compare_mnist(max_iterations=60):
    (x_train, t_train), (x_test, t_test) = _mnist(normalize=True)
    train_size = x_train.shape[0]
    batch_size = 128

    optimizers = {}
    optimizers['SGD'] = SGD()
    optimizers['Momentum'] = Momentum()
    optimizers['AdaGrad'] = AdaGrad()
    optimizers['Adam'] = Adam()

    networks = {}
    train_loss = {}
    for key in optimizers.keys():
        networks[key] = MultiLayerNet(
            input_size=784, hidden_size_list=[100, 100, 100, 100],
            output_size=10)
        train_loss[key] = []

    for i in range(max_iterations):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        for key in optimizers.keys():
            grads = networks[key].gradient(x_batch, t_batch)
            optimizers[key].update(networks[key].params, grads)

            loss = networks[key].loss(x_batch, t_batch)
            train_loss[key].append(loss)

    for key in optimizers.keys():
        curve = smooth_curve(train_loss[key])
        assert len(curve) == max_iterations and np.all(np.isfinite(curve))
    # the book's finding, already visible after 60 iterations: the adaptive methods beat plain SGD
    assert float(train_loss['Adam'][-1]) < float(train_loss['SGD'][-1])
    assert float(train_loss['AdaGrad'][-1]) < float(train_loss['SGD'][-1])


def test_ch06_weight_init_compare(max_iterations=60):
    (x_train, t_train), (x_test, t_test) = _mnist(normalize=True)
    train_size = x_train.shape[0]
    batch_size = 128

    weight_init_types = {'std=0.01': 0.01, 'Xavier': 'sigmoid', 'He': 'relu'}
    optimizer = SGD(lr=0.01)

    networks = {}
    train_loss = {}
    for key, weight_type in weight_init_types.items():
        networks[key] = MultiLayerNet(input_size=784, hidden_size_list=[100, 100, 100, 100],
                                      output_size=10, weight_init_std=weight_type)
        train_loss[key] = []

    for i in range(max_iterations):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        for key in weight_init_types.keys():
            grads = networks[key].gradient(x_batch, t_batch)
            optimizer.update(networks[key].params, grads)

            loss = networks[key].loss(x_batch, t_batch)
            train_loss[key].append(loss)

    assert abs(float(train_loss['std=0.01'][-1]) - math.log(10)) < 0.01
    assert float(train_loss['He'][-1]) < 2.0


def test_ch06_batch_norm_test(max_epochs=3):
    (x_train, t_train), (x_test, t_test) = _mnist(normalize=True)
    x_train = x_train[:1000]
    t_train = t_train[:1000]

    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.01

    def __train(weight_init_std):
        bn_network = MultiLayerNetExtend(input_size=784, hidden_size_list=[100, 100, 100, 100, 100],
                                         output_size=10, weight_init_std=weight_init_std,
                                         use_batchnorm=True)
        network = MultiLayerNetExtend(input_size=784, hidden_size_list=[100, 100, 100, 100, 100],
                                      output_size=10, weight_init_std=weight_init_std)
        optimizer = SGD(lr=learning_rate)

        train_acc_list = []
        bn_train_acc_list = []

        iter_per_epoch = max(train_size / batch_size, 1)
        epoch_cnt = 0

        for i in range(1000000000):
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]

            for _network in (bn_network, network):
                grads = _network.gradient(x_batch, t_batch)
                optimizer.update(_network.params, grads)

            if i % iter_per_epoch == 0:
                train_acc = network.accuracy(x_train, t_train)
                bn_train_acc = bn_network.accuracy(x_train, t_train)
                train_acc_list.append(train_acc)
                bn_train_acc_list.append(bn_train_acc)

                epoch_cnt += 1
                if epoch_cnt >= max_epochs:
                    break

        return train_acc_list, bn_train_acc_list

    train_acc_list, bn_train_acc_list = __train(0.001)
    assert len(bn_train_acc_list) == max_epochs
    assert bn_train_acc_list[-1] > train_acc_list[-1] + 0.2  # BN learns at a tiny weight scale


def test_ch06_overfit_weight_decay(max_epochs=15):
    (x_train, t_train), (x_test, t_test) = _mnist(normalize=True)
    x_train = x_train[:300]
    t_train = t_train[:300]

    weight_decay_lambda = 0.1
    network = MultiLayerNet(input_size=784, hidden_size_list=[100, 100, 100, 100, 100, 100], output_size=10,
                            weight_decay_lambda=weight_decay_lambda)
    optimizer = SGD(lr=0.01)

    train_size = x_train.shape[0]
    batch_size = 100

    train_acc_list = []
    test_acc_list = []

    iter_per_epoch = max(train_size / batch_size, 1)
    epoch_cnt = 0

    for i in range(1000000000):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grads = network.gradient(x_batch, t_batch)
        optimizer.update(network.params, grads)

        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)

            epoch_cnt += 1
            if epoch_cnt >= max_epochs:
                break

    assert len(train_acc_list) == len(test_acc_list) == max_epochs
    assert train_acc_list[-1] > train_acc_list[0]


def test_ch06_overfit_dropout(epochs=3):
    (x_train, t_train), (x_test, t_test) = _mnist(normalize=True)
    x_train = x_train[:300]
    t_train = t_train[:300]

    use_dropout = True
    dropout_ratio = 0.2

    network = MultiLayerNetExtend(input_size=784, hidden_size_list=[100, 100, 100, 100, 100, 100],
                                  output_size=10, use_dropout=use_dropout, dropout_ration=dropout_ratio)
    trainer = Trainer(network, x_train, t_train, x_test, t_test,
                      epochs=epochs, mini_batch_size=100,
                      optimizer='sgd', optimizer_param={'lr': 0.01}, verbose=False)
    trainer.train()

    train_acc_list, test_acc_list = trainer.train_acc_list, trainer.test_acc_list
    assert len(train_acc_list) == len(test_acc_list) == epochs


def test_ch06_hyperparameter_optimization(optimization_trial=3, epochs=2):
    (x_train, t_train), (x_test, t_test) = _mnist(normalize=True)
    x_train = x_train[:500]
    t_train = t_train[:500]

    validation_rate = 0.20
    validation_num = int(x_train.shape[0] * validation_rate)
    x_train, t_train = shuffle_dataset(x_train, t_train)
    x_val = x_train[:validation_num]
    t_val = t_train[:validation_num]
    x_train = x_train[validation_num:]
    t_train = t_train[validation_num:]

    def __train(lr, weight_decay, epocs=50):
        network = MultiLayerNet(input_size=784, hidden_size_list=[100, 100, 100, 100, 100, 100],
                                output_size=10, weight_decay_lambda=weight_decay)
        trainer = Trainer(network, x_train, t_train, x_val, t_val,
                          epochs=epocs, mini_batch_size=100,
                          optimizer='sgd', optimizer_param={'lr': lr}, verbose=False)
        trainer.train()
        return trainer.test_acc_list, trainer.train_acc_list

    results_val = {}
    results_train = {}
    for _ in range(optimization_trial):
        weight_decay = 10 ** np.random.uniform(-8, -4)
        lr = 10 ** np.random.uniform(-6, -2)
        val_acc_list, train_acc_list = __train(lr, weight_decay, epocs=epochs)
        key = "lr:" + str(lr) + ", weight decay:" + str(weight_decay)
        results_val[key] = val_acc_list
        results_train[key] = train_acc_list

    for key, val_acc_list in sorted(results_val.items(), key=lambda x: x[1][-1], reverse=True):
        assert len(val_acc_list) == epochs and 0.0 <= val_acc_list[-1] <= 1.0


def test_ch07_train_convnet(tmp_path, max_epochs=3):
    (x_train, t_train), (x_test, t_test) = _mnist(flatten=False)
    x_train, t_train = x_train[:2000], t_train[:2000]
    x_test, t_test = x_test[:200], t_test[:200]

    network = SimpleConvNet(input_dim=(1, 28, 28),
                            conv_param={'filter_num': 30, 'filter_size': 5, 'pad': 0, 'stride': 1},
                            hidden_size=100, output_size=10, weight_init_std=0.01)

    trainer = Trainer(network, x_train, t_train, x_test, t_test,
                      epochs=max_epochs, mini_batch_size=100,
                      optimizer='Adam', optimizer_param={'lr': 0.001},
                      evaluate_sample_num_per_epoch=1000, verbose=False)
    trainer.train()

    # the book saves to "params.pkl"; xpnet writes .npz content under whatever name it is given
    network.save_params(str(tmp_path / "params.pkl"))
    restored = SimpleConvNet(input_dim=(1, 28, 28),
                             conv_param={'filter_num': 30, 'filter_size': 5, 'pad': 0, 'stride': 1},
                             hidden_size=100, output_size=10, weight_init_std=0.01)
    restored.load_params(str(tmp_path / "params.pkl"))
    assert restored.accuracy(x_test, t_test) == network.accuracy(x_test, t_test)
    assert trainer.test_acc_list[-1] > 0.7  # 60 Adam steps on 2,000 digits
