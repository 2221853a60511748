/*
 * Networks that the CPU engine and the CUDA engine must run to the same
 * spikes, shared by check_gpu_emu.c (host emulation) and check_cuda.c (GPU).
 * Layer: tests.
 */
#ifndef SNN_GPU_CASES_H
#define SNN_GPU_CASES_H

/* 69,003 neurons (two device blocks of 65536 targets at most) with every
 * model, connection rule, stimulus and recorder the engines know: delta,
 * exponential (two channels) and conductance synapses, heterogeneous
 * constants, Poisson stimuli on ranges and id lists (one with 25 events per
 * step: PTRS counts), DC and step currents that change between chunks,
 * spike and Poisson sources, a recorded subset and a trace (%s: its file).
 * 35 ms. */
#define GPU_CASE_EVERYTHING                                                                   \
	"simulation: {dt: 0.1 ms, duration: 35 ms, seed: 11}\n"                               \
	"populations:\n"                                                                      \
	"  e: {model: lif, synapse: exp, size: 60000, params: {E_L: 0 mV, V_th: 15 mV,"       \
	" V_reset: 0 mV, tau_m: {uniform: {low: 10 ms, high: 20 ms}}, t_ref: 2 ms,"           \
	" tau_syn_ex: 1 ms, tau_syn_in: 3 ms},"                                               \
	" init: {V_m: {uniform: {low: 0 mV, high: 14 mV}}}}\n"                                \
	"  d: {model: lif, synapse: delta, size: 6000, params: {E_L: 0 mV, V_th: 10 mV,"      \
	" V_reset: 0 mV, V_min: -5 mV}}\n"                                                    \
	"  c: {model: lif_cond, size: 3000, params: {g_L: {normal: {mean: 10 nS, std: 1 nS}," \
	" min: 5 nS}, E_L: -60 mV, V_th: -50 mV, V_reset: -60 mV, tau_syn_ex: 2 ms,"          \
	" tau_syn_in: 4 ms}}\n"                                                               \
	"  src: {model: spike_source, size: 3, spikes: {times: [[1 ms, 2 ms, 7.3 ms],"        \
	" [], [12 ms]]}}\n"                                                                   \
	"  ps: {model: poisson_source, size: 1000, params: {rate: 50 Hz, start: 2 ms,"        \
	" stop: 25 ms}}\n"                                                                    \
	"projections:\n"                                                                      \
	"  - {from: e, to: e, rule: {fixed_indegree: 4}, weight: {normal:"                    \
	" {mean: 60 pA, std: 20 pA}}, delay: {uniform: {low: 0.1 ms, high: 3 ms}}}\n"         \
	"  - {from: e, to: d, rule: {fixed_indegree: 6}, weight: 2 mV, delay: 2 ms}\n"        \
	"  - {from: e, to: c, rule: {fixed_indegree: 8}, weight: 1 nS, delay: 0.7 ms}\n"      \
	"  - {from: d, to: e, rule: {fixed_outdegree: 5}, weight: -90 pA, delay: 0.5 ms}\n"   \
	"  - {from: d, to: d, rule: {fixed_probability: 0.001}, weight: 1.5 mV,"              \
	" delay: 1 ms}\n"                                                                     \
	"  - {from: c, to: c, rule: {fixed_total_number: 20000}, weight: -3 nS,"              \
	" delay: 0.2 ms}\n"                                                                   \
	"  - {from: c, to: d, rule: {fixed_total_number: 9000}, weight: -0.5 mV,"             \
	" delay: 0.2 ms}\n"                                                                   \
	"  - {from: src, to: 'e[0:100]', rule: all_to_all, weight: 400 pA, delay: 0.1 ms}\n"  \
	"  - {from: ps, to: e, rule: {fixed_indegree: 2}, weight: 30 pA, delay: 1.2 ms}\n"    \
	"  - {from: ps, to: c, rule: {fixed_indegree: 2}, weight: 2 nS, delay: 1.2 ms}\n"     \
	"stimuli:\n"                                                                          \
	"  - {poisson: {rate: 8 kHz, start: 1.1 ms, stop: 29.9 ms}, to: 'e[1000:50000]',"     \
	" weight: 2 pA, delay: 0.3 ms}\n"                                                     \
	"  - {poisson: {rate: 20 kHz, start: 0.5 ms, stop: 20.3 ms},"                         \
	" to: {population: e, ids: [3, 8, 44, 59998]}, weight: 9 pA, delay: 0.2 ms}\n"        \
	"  - {poisson: {rate: 8 kHz}, to: d, weight: 0.2 mV, delay: 0.3 ms}\n"                \
	"  - {poisson: {rate: 250 kHz}, to: {population: e, ids: [5, 70, 59999]},"            \
	" weight: 1 pA, delay: 1 ms}\n"                                                       \
	"  - {poisson: {rate: 12 kHz}, to: c, weight: 0.5 nS, delay: 0.1 ms}\n"               \
	"  - {dc: {amplitude: 300 pA, start: 3.3 ms, stop: 17.1 ms}, to: 'e[0:30000]'}\n"     \
	"  - {step: {times: [0 ms, 12.5 ms, 20.4 ms], amplitudes: [50 pA, -20 pA, 80 pA]},"   \
	" to: ['e[20000:40000]', c]}\n"                                                       \
	"record:\n"                                                                           \
	"  spikes: {populations: ['e[100:59000]', d, c, src], file: unused.h5}\n"             \
	"  traces: [{population: 'e[0:50]', variable: I_syn_in, interval: 0.3 ms,"            \
	" file: %s}]\n"

#endif
