"""Answers for src/chainrule/exercises/outlook.py (owned by CH68)."""

import numpy as np

from . import sig, sm


def adam(w, g, m, v, t, lr, correct=True, sqrt=True, v_of_g=False, eps=1e-8, eps_inside=False, state="raw", dt=0):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * (g if v_of_g else g**2)
    m_hat, v_hat = (m / (1 - 0.9 ** (t + dt)), v / (1 - 0.999 ** (t + dt))) if correct else (m, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if sqrt else v_hat) + eps
        new_w = w - lr * m_hat / denom
    return (new_w, m_hat, v_hat) if state == "hat" else (new_w, m, v)


def adam_loop(w, g, m, v, t, lr):
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    new_w, new_m, new_v = np.empty_like(w), np.empty_like(m), np.empty_like(v)
    for i in np.ndindex(np.shape(w)):
        new_m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        new_v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
        m_hat = new_m[i] / (1 - beta1**t)
        v_hat = new_v[i] / (1 - beta2**t)
        new_w[i] = w[i] - lr * m_hat / (v_hat**0.5 + eps)
    return [new_w, new_m, new_v]


def adam_folded(w, g, m, v, t, lr):
    # the paper's "efficient" form: fold the bias corrections into the step size (ε rescaled to match)
    m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
    c1, c2 = 1 - 0.9**t, 1 - 0.999**t
    step = lr * np.sqrt(c2) / c1
    return w - step * m / (np.sqrt(v) + 1e-8 * np.sqrt(c2)), m, v


def saliency_loop(x, W1, b1, W2, i):
    grad = np.zeros(len(x))
    for j in range(W1.shape[1]):
        z = x @ W1[:, j] + b1[j]
        slope = sig(z) * (1 - sig(z))
        grad += W1[:, j] * slope * W2[j, i]
    return grad


def dropout_loop(G, mask, keep):
    out = np.zeros_like(G)
    for idx in np.ndindex(G.shape):
        if mask[idx]:
            out[idx] = G[idx] / keep
    return out


def weights_by_simulation(betas):
    """Run the average on unit impulses: the weight of g_s is m̂_t when g_s = 1 and every other g = 0."""
    t = len(betas)
    out = np.zeros(t)
    for s in range(t):
        m, total = 0.0, 0.0
        for r, beta in enumerate(betas):
            m = beta * m + (1 - beta) * (1.0 if r == s else 0.0)
            total = beta * total + (1 - beta)  # the same average of a constant 1: the correction's divisor
        out[s] = m / total
    return out


def weights_closed_form(betas):
    t = len(betas)
    w = [(1 - betas[s]) * np.prod(betas[s + 1 :]) for s in range(t)]
    return np.array(w) / (1 - np.prod(betas))


def beta_weights(betas, correct=True, own=False, swapped=False, divisor=None):
    keep, new = (1 - betas, betas) if swapped else (betas, 1 - betas)
    w = np.array([new[s] * np.prod(keep[s if own else s + 1 :]) for s in range(len(betas))])
    if divisor is not None:
        return w / divisor
    return w / w.sum() if correct else w


def normalised(weights):
    weights = np.array(weights)
    return weights / weights.sum()


def attention_autograd_free(q, K, V, g):
    """Row by row: ∂L/∂q = Σᵢ ∂L/∂sᵢ · kᵢ/√d with ∂L/∂sᵢ = aᵢ (vᵢ·g − Σⱼ aⱼ vⱼ·g)."""
    d = len(q)
    s = [float(k @ q) / np.sqrt(d) for k in K]
    m = max(s)
    e = [np.exp(x - m) for x in s]
    a = [x / sum(e) for x in e]
    u = [float(v @ g) for v in V]
    mean = sum(ai * ui for ai, ui in zip(a, u, strict=True))
    return sum(ai * (ui - mean) * k for ai, ui, k in zip(a, u, K, strict=True)) / np.sqrt(d)


def attention_by_jacobian(q, K, V, g):
    d = len(q)
    a = sm(K @ q / np.sqrt(d))
    J = np.diag(a) - np.outer(a, a)
    return (K / np.sqrt(d)).T @ (J.T @ (V @ g))


def attention(q, K, V, g, scale=None, jac="full", keys=True):
    d = len(q)
    a = sm(K @ q / np.sqrt(d))
    u = V @ g
    ds = {"full": a * (u - a @ u), "none": u, "diag": a * (1 - a) * u, "no_a": u - a @ u}[jac]
    return (K if keys else V).T @ ds / (np.sqrt(d) if scale is None else scale)


CORRECT = {
    "outlook.changing_beta_correction": [weights_by_simulation, weights_closed_form],
    "outlook.attention_query_grad": [attention_autograd_free, attention_by_jacobian],
    "outlook.adam_step": [
        adam_loop,
        lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr),
        adam_folded,
    ],
    "outlook.saliency": [
        saliency_loop,
        lambda x, W1, b1, W2, i: np.einsum("nh,h->n", W1, sig(x @ W1 + b1) * (1 - sig(x @ W1 + b1)) * W2[:, i]),
    ],
    "outlook.dropout_backward": [
        dropout_loop,
        lambda G, mask, keep: np.where(mask, G / keep, 0.0),
        lambda G, mask, keep: (G * mask.astype(np.float32) / np.float32(keep)).astype(np.float64),
    ],
}

MISTAKES = {
    "outlook.changing_beta_correction": [
        (lambda b: beta_weights(b, correct=False), "weights of the running average itself"),
        (lambda b: beta_weights(b)[::-1], "reverse order"),
        (lambda b: (1 - b[-1]) * b[-1] ** np.arange(len(b) - 1, -1, -1) / (1 - b[-1] ** len(b)), "constant-β formula"),
        (lambda b: beta_weights(b, divisor=1 - b[-1] ** len(b)), "the divisor is the constant-β one"),
        (lambda b: beta_weights(b, own=True), "the β of its own step"),
        (lambda b: beta_weights(b, swapped=True), "β and 1 − β are swapped"),
        (lambda b: normalised([(1 - b[s]) * np.prod(b[:s]) for s in range(len(b))]), "steps before it"),
        (lambda b: normalised([np.prod(b[s + 1 :]) for s in range(len(b))]), "enters the average at its own step"),
    ],
    "outlook.attention_query_grad": [
        (lambda q, K, V, g: attention(q, K, V, g, scale=1.0), "factor 1/√d is missing"),
        (lambda q, K, V, g: attention(q, K, V, g, scale=len(q)), "divided by d"),
        (lambda q, K, V, g: attention(q, K, V, g, jac="none"), "left out of the chain"),
        (lambda q, K, V, g: attention(q, K, V, g, jac="diag"), "only the diagonal"),
        (lambda q, K, V, g: attention(q, K, V, g, jac="no_a"), "a factor aᵢ is missing"),
        (lambda q, K, V, g: -attention(q, K, V, g), "times −1"),
        (lambda q, K, V, g: attention(q, K, V, g, keys=False), "the last step uses the values V"),
        (lambda q, K, V, g: K.T @ ((lambda a, u: a * (u - a @ u))(sm(K @ q), V @ g)) / np.sqrt(len(q)), "without its 1/√d"),
    ],
    "outlook.adam_step": [
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, correct=False), "bias correction is missing"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, sqrt=False), "divided by v̂ itself"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, v_of_g=True), "squared gradients"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, state="hat"), "bias-corrected moment"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, eps_inside=True), "inside the square root"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, eps=0.0), "ε is missing"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, eps=1e-7), "ε has the wrong value"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, dt=1), "wrong step number"),
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, 0.01), "learning rate `lr` passed in"),
    ],
    "outlook.saliency": [
        (lambda x, W1, b1, W2, i: W1 @ W2[:, i], "sigmoid is missing"),
        (lambda x, W1, b1, W2, i: W1 @ (sig(x @ W1 + b1) * W2[:, i]), "value σ(z₁) is used where"),
        (lambda x, W1, b1, W2, i: W1 @ (sig(x @ W1) * (1 - sig(x @ W1)) * W2[:, i]), "leaves out the bias"),
        (lambda x, W1, b1, W2, i: -(W1 @ (sig(x @ W1 + b1) * (1 - sig(x @ W1 + b1)) * W2[:, i])), "times −1"),
    ],
    "outlook.dropout_backward": [
        (lambda G, mask, keep: G * mask, "not rescaled"),
        (lambda G, mask, keep: G * mask * keep, "multiplied by the keep probability"),
        (lambda G, mask, keep: G * mask / (1 - keep), "drop probability"),
        (lambda G, mask, keep: G / keep, "dropped units get a gradient"),
        (lambda G, mask, keep: G * (1 - mask) / keep, "mask is inverted"),
    ],
}

HINTS = {
    "outlook.adam_step": [
        (lambda w, g, m, v, t, lr: adam(w, g, m, v, t, lr, state="hat"), "not m̂ and v̂"),
    ],
    "outlook.dropout_backward": [
        (lambda G, mask, keep: G * mask, "mask / keep"),
    ],
}
