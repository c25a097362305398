"""save_figure: a figure too large to draw is refused before drawing; errors name the user's path;
no temporary file is left behind."""

from __future__ import annotations

import pytest

from xpnet.plotting import save_figure
from xpnet.plotting._base import MAX_PIXELS, new_figure


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_figure_writes_a_png(tmp_path):
    fig, _ = new_figure(1, 2)
    path = save_figure(fig, tmp_path / "f.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _leftovers(tmp_path) == []


def test_a_huge_dpi_is_refused_before_drawing(tmp_path):
    fig, _ = new_figure(1, 2)  # 6.4 x 2.6 inches
    with pytest.raises(ValueError, match=r"at dpi=100000 would be 640000 x 260000 pixels, more than the "
                                         rf"{MAX_PIXELS // 10**6} megapixels"):
        save_figure(fig, tmp_path / "f.png", dpi=100000)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_in_the_way_is_named(tmp_path):
    (tmp_path / "f.png").mkdir()
    fig, _ = new_figure(1, 1)
    with pytest.raises(IsADirectoryError, match=r"cannot write the figure to '.*f\.png': it is a directory"):
        save_figure(fig, tmp_path / "f.png", dpi=50)
    assert _leftovers(tmp_path) == []


def test_a_write_error_names_the_target_not_the_temporary_file(tmp_path):
    fig, _ = new_figure(1, 1)
    target = tmp_path / "missing-dir" / "f.png"
    with pytest.raises(FileNotFoundError) as info:
        save_figure(fig, target, dpi=50)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)
