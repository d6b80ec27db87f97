"""Helpers shared by the plotting scripts (plot_projection.py, plot_arms.py)."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def text(v):
    """An HDF5 string attribute or value as str."""
    return v.decode() if isinstance(v, bytes) else str(v)


def stem(path):
    """The name figures of input file PATH are named after: results/foo.h5 ->
    foo, so two runs' figures never replace each other."""
    return os.path.splitext(os.path.basename(path))[0]


def save(fig, outdir, name, what):
    """Writes FIG as OUTDIR/NAME-WHAT.png and returns the path."""
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"{name}-{what}.png")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
