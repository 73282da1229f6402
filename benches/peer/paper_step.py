"""The paper MDP's step with tabular Q-learning in plain Python (no numpy): the peer of
`damm bench`'s minimal loop (src/bin/damm/minimal.rs), step for step the same arithmetic
and the same kinds of random draws (Box-Muller normals from `random.random`, `math.exp`).

Usage: python3 benches/peer/paper_step.py STEPS [PARAMS_JSON]
PARAMS_JSON overrides the parameters below by name (`damm bench` passes the engine's
defaults, so both run the same market). Prints one JSON object: {"steps": N, "seconds": wall time of the loop, "cpu_seconds":
its process CPU time, "checksum": sum(Q)}."""

import json
import math
import random
import sys
import time


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    p = {
        "sqrt_k": 1e5, "peg": 150.0, "fee_rate": 0.001, "bins": 7, "range": 0.1,
        "delta": 0.005, "episode_len": 100, "sigma": 0.01, "drift": 0.0,
        "informed_prob": 0.6, "noise": 0.5, "beta0": 223272.72646068374,
        "beta_price": -451.0575126255326, "beta_k": 0.013849202058367838, "alpha": 0.5,
        "alpha_decay": 0.75, "alpha_min": 0.0, "gamma": 0.9, "epsilon": 0.4,
    }
    if len(sys.argv) > 2:
        p.update(json.loads(sys.argv[2]))
    sqrt_k, peg0, fee_rate = p["sqrt_k"], p["peg"], p["fee_rate"]
    bins, rng_range, delta = int(p["bins"]), p["range"], p["delta"]
    episode_len = int(p["episode_len"])
    sigma, drift, informed_prob, noise = p["sigma"], p["drift"], p["informed_prob"], p["noise"]
    beta0, beta_price, beta_k = p["beta0"], p["beta_price"], p["beta_k"]
    alpha0, alpha_decay, alpha_min = p["alpha"], p["alpha_decay"], p["alpha_min"]
    gamma, epsilon = p["gamma"], p["epsilon"]
    alpha = [max(alpha_min, alpha0 * n ** -alpha_decay) for n in range(1, 4097)]
    k = sqrt_k * sqrt_k
    mu = drift - 0.5 * sigma * sigma
    rnd = random.Random(1)
    uniform = rnd.random
    spare = [None]

    def normal():
        if spare[0] is not None:
            z, spare[0] = spare[0], None
            return z
        u1 = 1.0 - uniform()
        u2 = uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        th = 2.0 * math.pi * u2
        spare[0] = r * math.sin(th)
        return r * math.cos(th)

    def bin_of(x):
        u = (x / rng_range + 1.0) * 0.5 * bins
        if u != u or u < 0.0:
            return 0
        return min(int(u), bins - 1)

    q = [0.0] * (bins * 2)
    visits = [0] * (bins * 2)
    b = qr = peg = net = oracle = state = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for i in range(steps):
        if i % episode_len == 0:
            b, qr, peg, net, oracle = sqrt_k, sqrt_k, peg0, 0.0, peg0
            state = bin_of(0.0)
        explore = uniform() < epsilon
        pick = uniform()
        if explore:
            a = 1 if pick >= 0.5 else 0
        else:
            a = 1 if q[state * 2 + 1] > q[state * 2] else 0
        sign = -1.0 if a == 0 else 1.0
        peg = oracle * (1.0 + sign * delta) * b / qr
        oracle *= math.exp(mu + sigma * normal())
        informed = uniform() < informed_prob
        coin = uniform()
        z = normal()
        mark = qr / b * peg
        long = (mark < oracle) if informed else (coin < 0.5)
        # The default volume model: beta0 + beta_price*sqrt(price) + beta_k*sqrt(k).
        volume = max(0.0, beta0 + beta_price * math.sqrt(mark) + beta_k * sqrt_k)
        size = volume * math.exp(noise * z - 0.5 * noise * noise)
        dq = size / peg
        q1 = qr + dq if long else qr - dq
        b1 = k / q1
        net += b - b1
        b, qr = b1, q1
        reward = fee_rate * size * 0.5
        nxt = bin_of(net / sqrt_k)
        j = state * 2 + a
        n = visits[j]
        visits[j] = n + 1
        target = reward + gamma * max(q[nxt * 2], q[nxt * 2 + 1])
        q[j] += alpha[min(n, 4095)] * (target - q[j])
        state = nxt
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    print(json.dumps({"steps": steps, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "checksum": sum(q)}))


if __name__ == "__main__":
    main()
