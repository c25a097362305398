#!/usr/bin/env bash
# Regenerate the README gallery (docs/figures/): every study at the book's settings, on the data
# that --data auto finds (the embedded MNIST split when offline), small PNGs in docs/figures/.
# Usage: docs/make-gallery.sh [OUT_DIR]   (full JSON results and checkpoints go to OUT_DIR)
set -euo pipefail
out="${1:-xpnet-out/gallery}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out" "$here/figures"
for study in optimizer-paths optimizer-compare weight-init-activations weight-init-compare batch-norm \
             overfit-weight-decay overfit-dropout hyperparameter-search activation-init-bn-grid train; do
    extra=()
    [ "$study" = hyperparameter-search ] && extra=(--workers 2)
    start=$(date +%s)
    xpnet "$study" --out "$out" --dpi 72 "${extra[@]}"
    echo "== $study: $(( $(date +%s) - start )) s"
    # 256-colour PNG for the repository (line plots lose nothing visible; 3-4x smaller)
    python -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').quantize(256).save(sys.argv[2], optimize=True)" \
        "$out/$study.png" "$here/figures/$study.png"
done
