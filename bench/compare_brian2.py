#!/usr/bin/env python3
"""Runs the brunel and cuba benchmark cases in Spikeforge and in Brian2's C++
standalone mode (same models, parameters and number of OpenMP threads) and
prints one JSON line per case with both sets of times and their ratios.

Brian2's times: `setup_s` is Python building the network objects (for brunel
this includes drawing the fixed in-degree connectivity with numpy, since Brian2
has no fixed in-degree rule of its own), `construct_s` is the compiled
program's time before its simulation loop (creating and loading synapses,
initial state), `sim_s` is its simulation loop (Brian2's own measurement), and
`codegen_compile_s` is generating and compiling the C++ code (reported, not
counted in construction). Build ratio = (setup_s + construct_s) / Spikeforge's
build_s; simulation ratio = Brian2 sim_s / Spikeforge sim_s.

Usage: bench/compare-brian2 [--threads N] [--snnsim PATH] [--duration-ms T]
       [--cases brunel,cuba]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)


def spikeforge(snnsim, config, threads, duration_ms, workdir, extra=()):
    out = os.path.join(workdir, "sf.json")
    cmd = [snnsim, "run", config, "--threads", str(threads), "-q", "-o",
           os.path.join(workdir, "sf.h5"), "--summary-json", out,
           "--duration", "%gms" % duration_ms] + list(extra)
    subprocess.run(cmd, check=True)
    with open(out) as f:
        return json.load(f)


def brian2_case(case, threads, duration_ms, workdir):
    import numpy as np
    import brian2 as b2
    b2.set_device("cpp_standalone", build_on_run=False,
                  directory=os.path.join(workdir, "b2_" + case))
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    b2.defaultclock.dt = 0.1 * b2.ms
    ms, mV, pA, pF, Hz = b2.ms, b2.mV, b2.pA, b2.pF, b2.Hz
    t0 = time.perf_counter()
    if case == "brunel":
        NE, NI, CE, CI = 10000, 2500, 1000, 250
        J, g, eta, D = 0.1 * mV, 5.0, 2.0, 1.5 * ms
        tau, theta, Vr = 20 * ms, 20 * mV, 10 * mV
        nu_ext = eta * theta / (J * CE * tau)
        P = b2.NeuronGroup(NE + NI, "dv/dt = -v/tau : volt (unless refractory)",
                           threshold="v >= theta", reset="v = Vr",
                           refractory=2 * ms, method="exact",
                           namespace={"tau": tau, "theta": theta, "Vr": Vr})
        P.v = 0 * mV
        rng = np.random.default_rng(42)
        N = NE + NI
        post_e = np.repeat(np.arange(N), CE)
        pre_e = rng.integers(0, NE, size=N * CE)
        post_i = np.repeat(np.arange(N), CI)
        pre_i = NE + rng.integers(0, NI, size=N * CI)
        Ce = b2.Synapses(P, P, on_pre="v += J", delay=D, namespace={"J": J})
        Ce.connect(i=pre_e, j=post_e)
        Ci = b2.Synapses(P, P, on_pre="v += -g*J", delay=D,
                         namespace={"J": J, "g": g})
        Ci.connect(i=pre_i, j=post_i)
        drive = b2.PoissonInput(P, "v", N=CE, rate=nu_ext, weight=J)  # noqa: F841 (run() collects it by name)
        mon = b2.SpikeMonitor(P)
    else:  # cuba: the Vogels-Abbott network of examples/cuba.yaml
        N, NE = 4000, 3200
        ns = {"Cm": 200 * pF, "taum": 20 * ms, "El": -49 * mV, "Vt": -50 * mV,
              "Vr": -60 * mV, "taue": 5 * ms, "taui": 10 * ms}
        eqs = """dv/dt = (El - v)/taum + (ge + gi)/Cm : volt (unless refractory)
                 dge/dt = -ge/taue : amp
                 dgi/dt = -gi/taui : amp"""
        P = b2.NeuronGroup(N, eqs, threshold="v >= Vt", reset="v = Vr",
                           refractory=5 * ms, method="exact", namespace=ns)
        P.v = "Vr + rand() * (Vt - Vr)"
        Ce = b2.Synapses(P, P, on_pre="ge += 16.2*pA", delay=0.2 * ms)
        Ci = b2.Synapses(P, P, on_pre="gi += -90*pA", delay=0.2 * ms)
        Ce.connect("i < 3200", p=0.02)
        Ci.connect("i >= 3200", p=0.02)
        mon = b2.SpikeMonitor(P)
    b2.run(duration_ms * ms)
    setup_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    b2.device.build(compile=True, run=False)
    codegen_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    b2.device.run(directory=b2.device.project_dir, with_output=False,
                  run_args=[])
    total_s = time.perf_counter() - t2
    sim_s = float(b2.device._last_run_time)
    spikes = int(len(mon.i[:]))
    b2.device.reinit()
    b2.device.activate()
    return {"setup_s": setup_s, "codegen_compile_s": codegen_s,
            "construct_s": max(total_s - sim_s, 0.0), "sim_s": sim_s,
            "spikes": spikes}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--snnsim", default=os.path.join(os.getcwd(), "snnsim"))
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    ap.add_argument("--cases", default="brunel,cuba")
    a = ap.parse_args()
    try:
        import brian2  # noqa: F401
    except ImportError:
        print("compare-brian2: Brian2 is not installed (Debian: apt-get install "
              "python3-brian)", file=sys.stderr)
        return 2
    configs = {"brunel": os.path.join(SRC, "examples", "brunel.yaml"),
               "cuba": os.path.join(SRC, "examples", "cuba.yaml")}
    with tempfile.TemporaryDirectory() as wd:
        for case in a.cases.split(","):
            if case not in configs:
                print("compare-brian2: unknown case %s" % case, file=sys.stderr)
                return 2
            sf = spikeforge(a.snnsim, configs[case], a.threads, a.duration_ms, wd)
            b2 = brian2_case(case, a.threads, a.duration_ms, wd)
            b2_build = b2["setup_s"] + b2["construct_s"]
            print(json.dumps({
                "case": case, "threads": a.threads, "bio_ms": a.duration_ms,
                "spikeforge": {"build_s": round(sf["build_s"], 4),
                               "sim_s": round(sf["sim_s"], 4),
                               "spikes": sf["spikes"]},
                "brian2": {k: (round(v, 4) if isinstance(v, float) else v)
                           for k, v in b2.items()},
                "build_ratio": round(b2_build / sf["build_s"], 2),
                "sim_ratio": round(b2["sim_s"] / sf["sim_s"], 2)}))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
