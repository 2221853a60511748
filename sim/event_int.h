/*
 * The exact event-driven engine's neuron dynamics: closed-form propagation
 * of the lif model between events and the first threshold crossing after a
 * state, found by a bracketed method that cannot miss one.
 * Layer: sim core (engines), internal. Pure functions of their arguments:
 * no allocation, no global state. engine_event.c drives them; the tests
 * call them directly.
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

#include <stdbool.h>
#include <stdint.h>

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
	uint32_t par;	/* index of its constants (struct ev_lif) */
	uint32_t pop;	/* population index */
};
_Static_assert(sizeof(struct ev_neuron) == 64, "one neuron per cache line");

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
