"""Fay-BRR replicate factors from variance strata: how replicate weights are built.

PISA-type studies pair the sampled schools (in sampling order) into variance strata; for
replicate r, one school of each pair gets factor 2 − k and the other k (1.5 / 0.5 for
Fay's k = 0.5), chosen by row r of a Hadamard matrix, one column per stratum. Column
balance makes the replicate variance of a total equal the usual with-replacement estimator
exactly. An odd school out joins the last pair as a triple that uses two columns (factors
chosen so that the triple's variance is estimated without bias too).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, int(n**0.5) + 1))


def _paley(q: int) -> np.ndarray:
    """Paley construction I: a Hadamard matrix of order q + 1 for a prime q ≡ 3 (mod 4)."""
    residues = {(x * x) % q for x in range(1, q)}
    chi = np.array([0] + [1 if a in residues else -1 for a in range(1, q)])
    jacobsthal = chi[(np.arange(q)[None, :] - np.arange(q)[:, None]) % q]
    s = np.zeros((q + 1, q + 1), dtype=int)
    s[0, 1:] = 1
    s[1:, 0] = -1
    s[1:, 1:] = jacobsthal
    return s + np.eye(q + 1, dtype=int)


def hadamard(order: int) -> np.ndarray:
    """A Hadamard matrix (±1, H Hᵀ = order · I) with an all-ones first column.

    Orders 2^a (Sylvester) and 2^a · (q + 1) for a prime q ≡ 3 (mod 4), e.g. 80 = 79 + 1.
    """
    if order >= 1 and order & (order - 1) == 0:
        h = scipy.linalg.hadamard(order).astype(int)
    else:
        h = None
        power = 1
        while order % power == 0:
            base = order // power
            q = base - 1
            if q % 4 == 3 and _is_prime(q):
                h = np.kron(scipy.linalg.hadamard(power).astype(int), _paley(q))
                break
            power *= 2
        if h is None:
            raise ValueError(f"no Hadamard construction here for order {order}")
    return h * h[:, :1]  # normalise: first column all +1 (unused: it is not balanced)


# Unit loadings of a triple on its two Hadamard columns: orthogonal, summing to zero, with
# u uᵀ + v vᵀ = 3/2 (I − J/3), the with-replacement variance of a stratum of three.
_TRIPLE_U = np.array([1.0, -0.5, -0.5])
_TRIPLE_V = np.array([0.0, np.sqrt(3) / 2, -np.sqrt(3) / 2])
_PAIR_U = np.array([1.0, -1.0])


def fay_replicate_factors(
    stratum: np.ndarray, unit: np.ndarray, n_replicates: int = 80, fay_k: float = 0.5
) -> np.ndarray:
    """Replicate factors (n, R) for rows in variance ``stratum`` (0..G−1) and ``unit``.

    Each stratum holds units 0, 1 (a pair) or 0, 1, 2 (a triple). Replicate weight = final
    weight × factor. Strata take Hadamard columns 1, 2, … in order (a triple two); when
    they need more columns than R − 1, columns are reused (the estimator then stays
    unbiased but loses exact balance).
    """
    stratum = np.asarray(stratum, dtype=int)
    unit = np.asarray(unit, dtype=int)
    h = hadamard(n_replicates).astype("float64")
    n_strata = int(stratum.max()) + 1 if len(stratum) else 0
    sizes = np.array([unit[stratum == g].max() + 1 for g in range(n_strata)], dtype=int)
    if np.any((sizes < 2) | (sizes > 3)):
        raise ValueError("every variance stratum needs 2 or 3 units")
    loading = np.zeros((n_strata, 3, n_replicates))
    column = 0
    for g, size in enumerate(sizes):
        first = h[:, 1 + column % (n_replicates - 1)]
        if size == 2:
            loading[g, :2] = _PAIR_U[:, None] * first[None, :]
            column += 1
        else:
            second = h[:, 1 + (column + 1) % (n_replicates - 1)]
            loading[g] = _TRIPLE_U[:, None] * first[None, :] + _TRIPLE_V[:, None] * second[None, :]
            column += 2
    return 1.0 + (1.0 - fay_k) * loading[stratum, unit]


def pair_units(n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Variance strata for ``n_units`` PSUs in sampling order: consecutive pairs, the last
    three together when the count is odd. Returns (stratum, unit) per PSU."""
    if n_units < 2:
        raise ValueError("at least two sampled units are needed to estimate a variance")
    stratum = np.arange(n_units) // 2
    unit = np.arange(n_units) % 2
    if n_units % 2:
        stratum[-1] = stratum[-2]
        unit[-1] = 2
    return stratum, unit
