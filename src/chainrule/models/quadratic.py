"""Gradient descent on a quadratic bowl, where everything can be derived exactly.

    L(w) = ½ (w − w*)ᵀ A (w − w*),   ∇L(w) = A (w − w*)

With A = Q diag(λ) Qᵀ, each eigen-direction shrinks by the factor (1 − ηλᵢ) per step:
the iteration converges if and only if 0 < η < 2/λ_max (chapter 3).
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Quadratic:
    A: np.ndarray  # symmetric positive definite
    w_star: np.ndarray  # the minimum

    def loss(self, w):
        d = np.asarray(w) - self.w_star
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, w):
        return (np.asarray(w) - self.w_star) @ self.A

    @property
    def eigenvalues(self):
        return np.linalg.eigvalsh(self.A)

    @property
    def max_stable_lr(self):
        return 2.0 / self.eigenvalues.max()

    @property
    def condition_number(self):
        lam = self.eigenvalues
        return lam.max() / lam.min()


def elongated_bowl(kappa=10.0, angle=np.pi / 6):
    """A 2-D bowl with eigenvalues 1 and κ, rotated by ``angle``, minimum at (1, 0.5)."""
    c, s = np.cos(angle), np.sin(angle)
    Q = np.array([[c, -s], [s, c]])
    return Quadratic(Q @ np.diag([1.0, kappa]) @ Q.T, np.array([1.0, 0.5]))


@dataclass
class Run:
    path: np.ndarray  # (steps + 1, dim): w after each step
    losses: np.ndarray  # (steps + 1,)
    diverged: bool  # the loss ended above where it started (or overflowed)


def gradient_descent(q, w0, lr, steps, momentum=0.0, blow_up=1e6):
    """Plain (or heavy-ball momentum) gradient descent on ``q``; stops early once the loss
    passes ``blow_up`` times its start."""
    w = np.array(w0, dtype=float)
    v = np.zeros_like(w)
    path, losses = [w.copy()], [float(q.loss(w))]
    for _ in range(steps):
        v = momentum * v + q.grad(w)
        w = w - lr * v
        path.append(w.copy())
        losses.append(float(q.loss(w)))
        if not np.isfinite(losses[-1]) or losses[-1] > blow_up * max(losses[0], 1e-12):
            break
    final = losses[-1]
    return Run(np.array(path), np.array(losses), bool(not np.isfinite(final) or final > losses[0]))
