#!/usr/bin/env python3
"""Reference values for HumorGym's learner losses, computed independently of the Swift code.

Run `python3 scripts/reference_losses.py`; the numbers it prints are pasted into
Tests/HumorGymTests/AlgorithmTests.swift (LossTests). Plain Python (math only), so anyone can re-run it.
"""
import math


def log_sigmoid(x):
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def dpo(pairs, beta, soft):
    """pairs: (logp_chosen, logp_rejected, ref_chosen, ref_rejected, q). Returns loss and dL/dlogp."""
    n = len(pairs)
    loss, grad = 0.0, []
    for lc, lr, rc, rr, q in pairs:
        q = q if soft else 1.0
        z = beta * ((lc - rc) - (lr - rr))
        loss -= q * log_sigmoid(z) + (1 - q) * log_sigmoid(-z)
        d = beta * (sigmoid(z) - q) / n
        grad += [d, -d]
    return loss / n, grad


def dpo_family(pairs, beta, loss, noise=0.1):
    """DPO's other losses on the same pairs (hard labels): ipo, hinge, robust. Returns loss and dL/dlogp."""
    n = len(pairs)
    total, grad = 0.0, []
    for lc, lr, rc, rr, _ in pairs:
        h = (lc - rc) - (lr - rr)
        z = beta * h
        if loss == "ipo":
            value, slope = (h - 1 / (2 * beta)) ** 2, 2 * (h - 1 / (2 * beta))
        elif loss == "hinge":
            value, slope = (1 - z, -beta) if z < 1 else (0.0, 0.0)
        else:  # robust
            value = (-(1 - noise) * log_sigmoid(z) + noise * log_sigmoid(-z)) / (1 - 2 * noise)
            slope = beta * (sigmoid(z) - (1 - noise) / (1 - 2 * noise))
        total += value
        grad += [slope / n, -slope / n]
    return total / n, grad


def dpo_chosen_nll(pairs, beta, alpha, chosen_length):
    """Soft-label DPO plus RPO's term alpha * (-log pi(y_w) / |y_w|) on every pair."""
    loss, grad = dpo(pairs, beta, soft=True)
    n = len(pairs)
    loss += sum(alpha * -lc / chosen_length for lc, *_ in pairs) / n
    grad = [g - (alpha / chosen_length / n if i % 2 == 0 else 0) for i, g in enumerate(grad)]
    return loss, grad


def rwr_weights(rewards, beta, clip):
    m = max(r / beta for r in rewards)
    e = [math.exp(r / beta - m) for r in rewards]
    s = sum(e)
    return [min(clip, len(rewards) * x / s) for x in e]


def brio(items, gamma, margin, alpha):
    """items: (ranked log-probabilities best first, their lengths, the reference's log-probability or None).
    Returns the loss and dL/dlogp, per item its ranked candidates then its reference."""
    n = len(items)
    total, grad = 0.0, []
    for ranked, lengths, ref in items:
        norm = [l ** alpha for l in lengths]
        s = [lp / z for lp, z in zip(ranked, norm)]
        g = [0.0] * len(ranked)
        for i in range(len(s)):
            for j in range(i + 1, len(s)):
                v = s[j] - s[i] + (j - i) * margin
                if v > 0:
                    total += gamma * v
                    g[j] += gamma / norm[j] / n
                    g[i] -= gamma / norm[i] / n
        if ref is not None:
            total -= ref
            g.append(-1 / n)
        grad += g
    return total / n, grad


def main():
    pairs = [(-2.0, -3.5, -2.5, -3.0, 0.9), (-1.2, -0.7, -1.0, -1.1, 0.6), (-4.0, -4.0, -3.0, -5.0, 1.0)]
    for soft in (True, False):
        loss, grad = dpo(pairs, beta=0.5, soft=soft)
        print(f"dpo soft={soft}: loss {loss!r}")
        print(f"  grad {[repr(g) for g in grad]}")
    for loss in ("ipo", "hinge", "robust"):
        value, grad = dpo_family(pairs, beta=0.5, loss=loss, noise=0.2)
        print(f"dpo loss={loss}: loss {value!r}")
        print(f"  grad {[repr(g) for g in grad]}")
    items = [([-6.0, -5.0, -9.0], [4, 6, 5], -7.0), ([-3.0, -3.2], [3, 3], -2.0), ([], [], -8.5), ([-1.0, -4.0], [2, 2], None)]
    for alpha in (1.0, 0.0):
        value, grad = brio(items, gamma=10.0, margin=math.log(2) / 4.5 ** alpha, alpha=alpha)
        print(f"brio alpha={alpha}: loss {value!r}")
        print(f"  grad {[repr(g) for g in grad]}")
    value, grad = dpo_chosen_nll(pairs, beta=0.5, alpha=0.4, chosen_length=2)
    print(f"dpo chosenNLL=0.4, |y_w|=2: loss {value!r}")
    print(f"  grad {[repr(g) for g in grad]}")
    w = rwr_weights([1.0, 2.0, 0.5, 3.0], beta=2.0, clip=5.0)
    print(f"rwr weights {[repr(x) for x in w]}")
    w = rwr_weights([0.0, 10.0, 0.0], beta=1.0, clip=2.0)
    print(f"rwr weights clipped {[repr(x) for x in w]}")


if __name__ == "__main__":
    main()
