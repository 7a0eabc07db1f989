"""The fusion's grid on the union of two tuning sets (decision 0135): the stdlib's code-documentation
questions (rag_collection.py) and the Debian FAQ's prose ones (rag_faq.py), each in its own tenant's
index. A cell's union figure is the mean of the two collections' means (each collection weighted
equally, decided before any figure); the choice is the gated cell of highest union MRR.
"""

from collections.abc import Mapping

type Cell = tuple[float, float, float]  # vector share, gate (2: none), page share
type Figures = Mapping[str, tuple[float, float, float]]  # metric -> (mean, low, high)

NO_GATE = 2.0


def union(per_set: Mapping[str, Mapping[Cell, Figures]]) -> dict[Cell, dict[str, float]]:
    """Each cell tried on every set: each metric's mean over the sets' means (a cell missing from
    one set is left out)."""
    sets = list(per_set.values())
    cells = set.intersection(*(set(s) for s in sets)) if sets else set()
    return {
        cell: {m: sum(s[cell][m][0] for s in sets) / len(sets) for m in sets[0][cell]}
        for cell in sorted(cells)
    }


def choose(figures: Mapping[Cell, Mapping[str, float]]) -> Cell:
    """The cell of highest union MRR among those that keep the exact-match gate; a tie goes to the
    higher gate, then the higher vector share."""
    gated = [cell for cell in figures if cell[1] < NO_GATE]
    return max(gated, key=lambda c: (round(figures[c]["mrr"], 9), c[1], c[0]))


def lines(per_set: Mapping[str, Mapping[Cell, Figures]], chosen: Cell) -> list[str]:
    """One line a cell: each set's recall@5 / MRR / nDCG@10 and the union's, the choice marked."""
    merged = union(per_set)
    out = []
    for cell, mean in merged.items():
        parts = [
            f"{name} " + " / ".join(f"{grid[cell][m][0]:.3f}" for m in grid[cell])
            for name, grid in per_set.items()
        ]
        parts.append("union " + " / ".join(f"{v:.3f}" for v in mean.values()))
        mark = " (chosen)" if cell == chosen else ""
        out.append(f"union grid s {cell[0]:g} g {cell[1]:g} p {cell[2]:g}{mark}: " + "; ".join(parts))
    return out
