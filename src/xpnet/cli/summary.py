"""A few lines per study for the terminal: the numbers the book prints."""

from __future__ import annotations


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def summarize(r: dict) -> list[str]:
    """Human-readable result lines for study result ``r``."""
    study = r["study"]
    if study == "optimizer-paths":
        return ["final f: " + ", ".join(f"{k} {v['final_f']:.4f}" for k, v in r["paths"].items())]
    if study in ("optimizer-compare", "weight-init-compare"):
        it = next(iter(r["loss_at"].values()))["iteration"]
        return [f"loss at iteration {it} (raw / smoothed): " + ", ".join(
            f"{k} {_fmt(v['loss'])} / {_fmt(v['smoothed'])}" for k, v in r["loss_at"].items())]
    if study == "weight-init-activations":
        h = r["histograms"]
        return [f"std of layer-{r['settings']['layers']} outputs: " + "; ".join(
            f"{a}: " + ", ".join(f"{i} {h[a][i]['std'][-1]:.3g}" for i in h[a]) for a in h)]
    if study == "batch-norm":
        return ["final training accuracy, BN / no BN: " + ", ".join(
            f"W {w:.2g}: {_fmt(b['final_train'])}/{_fmt(p['final_train'])}"
            for w, b, p in zip(r["weight_scales"], r["bn"], r["plain"]))]
    if study in ("overfit-weight-decay", "overfit-dropout"):
        return [f"{k}: final train {_fmt(v['final_train'])}, test {_fmt(v['final_test'])}, "
                f"gap {_fmt(v['gap'])}" for k, v in r["runs"].items()]
    if study == "hyperparameter-search":
        lines = [f"{len(r['trials'])} trials ({r['resumed']} resumed, {r['failed']} failed)"]
        for i, t in enumerate(r["best"][:5]):
            lines.append(f"Best-{i + 1} val acc {t['val_acc'][-1]:.3f} | lr {t['lr']:.3e}, "
                         f"weight decay {t['weight_decay']:.3e}")
        return lines
    if study == "activation-init-bn-grid":
        return [f"{a}, {i}: test acc BN {_fmt(p['bn']['final_test'])}, no BN {_fmt(p['plain']['final_test'])}"
                for a, row in r["panels"].items() for i, p in row.items()]
    if study == "train":
        return [f"{r['model']}: final test accuracy {r['final_test_acc']:.4f} "
                f"({r['parameters']:,} parameters)"]
    if study == "half-float":
        a = r["accuracy"]
        return [f"{r['model']} test accuracy on {r['eval_count']:,} digits: float32 {a['float32']:.4f}, "
                f"float16 storage {a['float16_storage']:.4f}, float16 {a['float16']:.4f} "
                f"({r['agreement']:.2%} same predictions)"]
    return []
