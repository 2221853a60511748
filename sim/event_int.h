/*
 * Neuron models on the exact event-driven engine: the row of operations a
 * model gives that engine (struct event_ops, named in the model's models.c
 * entry), and the closed-form propagation of the lif model between events
 * with the first threshold crossing after a state, found by a bracketed
 * method that cannot miss one (event_lif.c).
 * Layer: sim core (models, below engine_event.c), internal. The closed
 * forms are pure functions of their arguments: no allocation, no global
 * state; the rows touch only the neurons they are given. The tests call
 * the closed forms directly.
 *
 * Units: V in mV (relative to E_L), I in pA, C_m in pF, times in ms.
 *
 * Between two events a neuron obeys (y = V_m - E_L, I_c = I_e + stimuli)
 *   dy/dt = -y / tau_m + (I_ex + I_in + I_c) / C_m,  dI_x/dt = -I_x / tau_x
 * whose solution, s ms after a state (y, I_ex, I_in), is
 *   y(s) = y_inf + e^{-s/tau_m} (B + sum_x J_x psi_x(s)),  I_x(s) = I_x e^{-s/tau_x}
 * with y_inf = I_c tau_m / C_m, B = y - y_inf, J_x = I_x / C_m,
 * d_x = 1/tau_x - 1/tau_m and psi_x(s) = (1 - e^{-d_x s}) / d_x (= s when
 * d_x = 0, so tau_x = tau_m needs no special case). Every exponential is
 * evaluated through expm1, so short intervals lose no digits.
 *
 * Refractoriness: a neuron that spikes at t_s is held at V_reset while
 * t <= t_s + t_ref (delta inputs arriving then are dropped; exponential
 * currents keep decaying and summing), and evolves freely after it.
 */
#ifndef SNN_EVENT_INT_H
#define SNN_EVENT_INT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_int.h"
#include "rng_int.h"
#include "snn/error.h"

/* Constants of one lif neuron (shared by a homogeneous population). */
struct ev_lif {
	double tau_m, C_m;
	double r_m;   /* 1 / tau_m */
	double theta; /* V_th - E_L */
	double reset; /* V_reset - E_L */
	double v_min; /* V_min - E_L (delta synapses; -inf when unbounded) */
	double t_ref;
	double I_e;
	double E_L;
	bool exp_syn;		 /* exponential currents (else delta: voltage jumps) */
	double R;		 /* tau_m / C_m: mV per pA of constant current */
	double d_ex, d_in;	 /* 1/tau_syn_x - 1/tau_m */
	double r_ex, r_in;	 /* 1/tau_syn_x */
	double emax_ex, emax_in; /* ev_emax of each current */
	double window;		 /* first look-ahead of the crossing search (ms) */
};

/* The state of one neuron at time t, untouched between its events. Laid out
 * as one record (not as arrays) because events reach neurons in random
 * order: one cache line per touched neuron. */
struct ev_neuron {
	double t;	/* time of this state (ms) */
	double y;	/* V_m - E_L (mV) */
	double i_ex;	/* pA (exp synapses) */
	double i_in;	/* pA (exp synapses) */
	double ref_end; /* refractory while t <= ref_end; -inf when never spiked */
	double i_stim;	/* current stimuli (pA), constant between their changes */
	double t_in;	/* time of the last input, current change or spike */
	uint32_t par;	/* index of its constants in its population's par[] */
	uint32_t pop;	/* population index (set by the engine) */
};
_Static_assert(sizeof(struct ev_neuron) == 64, "one neuron per cache line");

/* ------------------------------------------------------------ model rows */

/*
 * What the event engine shares with the models' rows. The engine owns the
 * arrays and the queues; a row reads and writes the records of the neurons
 * it is given, and says when each will next emit.
 */
struct ev_net {
	const snn_net *net;
	double t_end;	       /* the end of the run (ms) */
	struct ev_neuron *nrn; /* per global id, zeroed, .pop set */
	uint64_t *src_j;       /* per global id, zeroed: a counter (a source's train cursor) */
};

/* One population on the event engine. */
struct ev_pop {
	const struct population *ir;
	const struct event_ops *ops; /* its model's row */
	void *par;		     /* its constants: n_par records of par_size bytes */
	uint32_t index, first, size;
	uint64_t spikes;
};

/* When a neuron will next emit, as a row returns it after a change. */
enum ev_what {
	EV_EMIT,  /* it emits at t (+inf, or past t_end: never) */
	EV_CHECK, /* t only ends a crossing search's look-ahead window: resume there */
	EV_KEEP,  /* the change changed nothing: what was scheduled stands */
};
struct ev_next {
	double t;
	enum ev_what what;
};

/*
 * A model's operations on the event engine (one row per model it can run,
 * in the model's file; the models.c entry's `event` is NULL for a model the
 * engine refuses). Neuron g is a global id; times are in ms. The engine
 * calls `emit` when g's scheduled time comes (or `resume`, for EV_CHECK),
 * so a model need not advance neurons that nothing reaches.
 */
struct event_ops {
	size_t par_size; /* bytes of one constants record */
	/* The constants records population p takes (NULL: none). */
	uint64_t (*n_par)(const struct population *p);
	/* Fills p->par and the initial state of p's neurons. Returns SNN_OK or
	 * an error naming the config line; allocates nothing. */
	int (*setup)(struct ev_net *ev, struct ev_pop *p, snn_diag *d);
	/* g's first emission; amp_pa: the current stimuli on it at t = 0. */
	struct ev_next (*first)(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
				double amp_pa);
	/* g emits at t: its state after the spike, and its next emission. */
	struct ev_next (*emit)(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double t);
	/* The look-ahead window of g ends at t (after EV_CHECK); NULL for
	 * models that never return EV_CHECK. */
	struct ev_next (*resume)(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double t);
	/* An input of weight w reaches g at t (sources: EV_KEEP; the loaders
	 * let nothing reach them). */
	struct ev_next (*input)(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double w,
				double t);
	/* The current stimuli on g sum to amp_pa from t on (sources: EV_KEEP). */
	struct ev_next (*current)(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
				  double amp_pa, double t);
	/* State variable var (its index in the model's state table) of g at t,
	 * in the table's units; g itself is not changed, so recording changes
	 * no spike. NULL for models without state. */
	double (*get)(const struct ev_net *ev, const struct ev_pop *p, uint32_t g, int var,
		      double t);
};

/* Exponential interval (ms) number j of a Poisson train at `per_ms` events
 * per ms, from the stream (seed, purpose, sub, gid) at counter j. */
static inline double ev_exp_interval(uint64_t seed, enum rng_purpose purpose, uint32_t sub,
				     uint32_t gid, uint64_t j, double per_ms)
{
	philox4x32_ctr_t b = rng_block(seed, purpose, sub, gid, j);
	return -log(rng_words_to_open01(b.v[0], b.v[1])) / per_ms;
}

/* ------------------------------------------------------------ lif closed form */

/* Fills the constants of one neuron from its parameter values (indexed by
 * enum lif_param). */
void ev_lif_init(struct ev_lif *P, const double *vals, bool exp_syn);

/* Advances n to time t >= n->t in closed form (no-op when t == n->t). */
void ev_lif_advance(const struct ev_lif *P, struct ev_neuron *n, double t);

/* The first time in (n->t, t_end] at which the neuron, left without further
 * input, reaches V_th; +inf when it does not. n->y must be below the
 * threshold or n refractory. The crossing is bracketed to within
 * EV_CROSS_TOL_MS and the later end of the bracket is returned, so that the
 * membrane potential computed there is at or above the threshold.
 *
 * With exponential currents the search looks ahead over a window (the
 * shortest time constant, doubling with the time since n->t_in) rather than
 * to t_end, because the next input usually comes first and makes a long
 * search wasted: when the window holds no crossing but a later one cannot be
 * ruled out, *check is set and the end of the window is returned, a time at
 * which the caller advances the neuron and asks again (no spike). A bound
 * over the whole of (n->t, t_end] first rules out most neurons for good. */
double ev_lif_next_crossing(const struct ev_lif *P, const struct ev_neuron *n, double t_end,
			    bool *check);

/* The bracket width to which crossing times are found (ms). */
#define EV_CROSS_TOL_MS 1e-13

/*
 * The crossing function of the exponential-current case on its own, for the
 * tests. With r = 1/tau_m, rx_k = 1/tau_x and d_k = rx_k - r,
 *   f(s) = A + B e^{-r s} + sum_k J_k E_k(s),
 *   E_k(s) = e^{-r s} psi_k(s) = (e^{-r s} - e^{-rx_k s}) / d_k   (s e^{-r s} if d_k = 0),
 * which is y(s) - theta with A = y_inf - theta. E_k is evaluated in a form
 * that cannot overflow for any s (through e^{-rx_k s} when d_k < 0).
 * ev_first_root returns the first s in (0, S] with f(s) >= 0, or +inf;
 * f(0) < 0 is required.
 *
 * Why no crossing is missed: f'(s) = e^{-r s} h(s) with
 *   h'(s) = -sum_k J_k rx_k e^{-d_k s}.
 * With at most two terms, h' has at most one zero, in closed form; so h, and
 * with it f', has at most one zero on each side of it, found by safeguarded
 * Newton on a piece where it is alone; so f is monotone between consecutive
 * zeros of f', and the first piece whose right end has f >= 0 holds the first
 * crossing, alone. Before any of this, a bound of f over [0, S] from the
 * peaks of the current terms (emax_k = max E_k) rejects most cases at the
 * cost of one exponential.
 */
struct ev_xfun {
	double A, B, r;
	int n; /* 0, 1 or 2 exponential-current terms */
	double J[2], d[2], rx[2], emax[2];
};
/* f(s), and f'(s) and f''(s) where the pointers are not NULL. */
double ev_xfun_value(const struct ev_xfun *f, double s, double *d1, double *d2);
/* An upper bound of f over [0, S]: A + max(B, B e^{-rS}) + sum of J_k emax_k
 * over the positive J_k. */
double ev_xfun_bound(const struct ev_xfun *f, double S);
double ev_first_root(const struct ev_xfun *f, double S);
/* max over s >= 0 of E(s) for rates r and rx = r + d. */
double ev_emax(double r, double d);

#endif
