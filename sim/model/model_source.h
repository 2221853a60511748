/*
 * Spike sources: `spike_source` (replays given spike times) and
 * `poisson_source` (independent Poisson trains).
 * Layer: sim core (models). Documentation of model_source.c.
 *
 * spike_source: a spike time t (on the grid, t >= h) is emitted in the step
 * that ends at t, so it is stamped t and, with a delay of d steps, reaches
 * its targets in the step ending at t + d h.
 *
 * poisson_source: in each step between start and stop a neuron spikes with
 * probability 1 - exp(-rate h), drawn from the counter-based stream
 * (seed, source, neuron, step). A source neuron spikes at most once per step:
 * the train is a Poisson process thinned to one event per step (at 100 Hz and
 * h = 0.1 ms, 0.0005% of events fall in an occupied step and are merged).
 */
#ifndef SNN_MODEL_SOURCE_H
#define SNN_MODEL_SOURCE_H

#endif
