/*
 * The lif model on the event-driven engine: its closed form (propagation
 * between events and the first threshold crossing; equations and the
 * argument that no crossing is missed in event_int.h) and its rows of
 * struct event_ops, for delta and exponential synapses.
 * Layer: sim core (models), internal. The closed form is pure arithmetic;
 * the rows read the IR in setup and touch only the neuron they are given.
 * Nothing here allocates.
 */
#include "config.h"

#include <math.h>

#include "event_int.h"
#include "model_int.h"
#include "model_rt.h"

double ev_emax(double r, double d)
{
	double rx = r + d;
	double s = d == 0.0 ? 1.0 / r : log(rx / r) / d;
	return exp(-rx * s) / r;
}

void ev_lif_init(struct ev_lif *P, const double *v, bool exp_syn)
{
	double tau = v[LIF_TAU_M], C = v[LIF_C_M];
	P->tau_m = tau;
	P->C_m = C;
	P->r_m = 1.0 / tau;
	P->R = tau / C;
	P->E_L = v[LIF_E_L];
	P->theta = v[LIF_V_TH] - v[LIF_E_L];
	P->reset = v[LIF_V_RESET] - v[LIF_E_L];
	P->t_ref = v[LIF_T_REF];
	P->I_e = v[LIF_I_E];
	P->exp_syn = exp_syn;
	if (exp_syn) {
		double te = v[LIF_TAU_SYN_EX], ti = v[LIF_TAU_SYN_IN];
		P->v_min = -INFINITY;
		/* written so that tau_syn = tau_m gives exactly 0 */
		P->d_ex = (tau - te) / (tau * te);
		P->d_in = (tau - ti) / (tau * ti);
		P->r_ex = 1.0 / te;
		P->r_in = 1.0 / ti;
		P->emax_ex = ev_emax(P->r_m, P->d_ex);
		P->emax_in = ev_emax(P->r_m, P->d_in);
		P->window = fmin(tau, fmin(te, ti));
	} else {
		P->v_min = v[LIF_V_MIN] - v[LIF_E_L];
		P->d_ex = P->d_in = P->r_ex = P->r_in = 0.0;
		P->emax_ex = P->emax_in = 0.0;
		P->window = INFINITY;
	}
}

/* E(s) = (e^{-r s} - e^{-rx s}) / d and e^{-rx s}, where e = e^{-r s}. For
 * d >= 0 through e, for d < 0 through e^{-rx s}, so that neither form
 * multiplies a vanishing exponential by a growing one. */
static inline double term_E(double e, double r, double d, double s, double *ex)
{
	double rx = r + d;
	if (d == 0.0) {
		*ex = e;
		return s * e;
	}
	if (d > 0) {
		double em = expm1(-d * s);
		*ex = e * (1.0 + em);
		return e * (-em / d);
	}
	double x = exp(-rx * s);
	*ex = x;
	return x * (expm1(d * s) / d);
}

double ev_xfun_value(const struct ev_xfun *f, double s, double *d1, double *d2)
{
	double e = exp(-f->r * s);
	double v = f->A + f->B * e;
	double g1 = -f->r * f->B * e;
	double g2 = f->r * f->r * f->B * e;
	for (int k = 0; k < f->n; k++) {
		double ex;
		double E = term_E(e, f->r, f->d[k], s, &ex);
		double E1 = ex - f->r * E;
		v += f->J[k] * E;
		g1 += f->J[k] * E1;
		g2 += f->J[k] * (-f->rx[k] * ex - f->r * E1);
	}
	if (d1) {
		*d1 = g1;
	}
	if (d2) {
		*d2 = g2;
	}
	return v;
}

/* q(x) = sgn * f(x) (order 0) or sgn * f'(x) (order 1), and its derivative. */
static inline double q_at(const struct ev_xfun *f, int order, double sgn, double x, double *dq)
{
	double a, b;
	double v = ev_xfun_value(f, x, &a, &b);
	if (order == 1) {
		*dq = sgn * b;
		return sgn * a;
	}
	*dq = sgn * a;
	return sgn * v;
}

/* The zero of a monotone q inside [lo, hi], where q(lo) = qlo < 0 <= q(hi) =
 * qhi: Newton from the regula falsi point, a step that leaves the bracket
 * replaced by regula falsi (every third time by bisection), bisection only
 * after 30 steps. Once Newton has converged, one step of tol across the zero
 * closes the bracket. Returns hi, the end where q >= 0, with hi - lo <= tol
 * (or adjacent doubles). About 4 to 8 evaluations in practice. */
static double solve(const struct ev_xfun *f, int order, double sgn, double lo, double hi,
		    double qlo, double qhi, double tol)
{
	double x = lo - qlo * (hi - lo) / (qhi - qlo);
	if (!(x > lo && x < hi)) {
		x = lo + 0.5 * (hi - lo);
	}
	int fallbacks = 0;
	for (int it = 0; it < 300 && hi - lo > tol; it++) {
		double dq, q = q_at(f, order, sgn, x, &dq);
		if (q >= 0) {
			hi = x;
			qhi = q;
		} else {
			lo = x;
			qlo = q;
		}
		if (hi - lo <= tol) {
			break;
		}
		double mid = lo + 0.5 * (hi - lo);
		double xn = dq != 0 ? x - q / dq : NAN;
		if (it < 30 && xn > lo && xn < hi) {
			if (fabs(xn - x) < 0.5 * tol) {
				xn = q >= 0 ? x - tol : x + tol;
				if (!(xn > lo && xn < hi)) {
					break; /* the bracket is within tol of x already */
				}
			}
		} else if (it < 30 && ++fallbacks % 3 != 0) {
			xn = lo - qlo * (hi - lo) / (qhi - qlo);
		} else {
			xn = mid;
		}
		if (!(xn > lo && xn < hi)) {
			xn = mid;
			if (!(xn > lo && xn < hi)) {
				break; /* lo and hi are adjacent doubles */
			}
		}
		x = xn;
	}
	return hi;
}

double ev_xfun_bound(const struct ev_xfun *f, double S)
{
	double ub = f->A + (f->B > 0 ? f->B : f->B * exp(-f->r * S));
	for (int k = 0; k < f->n; k++) {
		if (f->J[k] > 0) {
			ub += f->J[k] * f->emax[k];
		}
	}
	return ub;
}

double ev_first_root(const struct ev_xfun *fin, double S)
{
	struct ev_xfun f = *fin;
	for (int k = 0; k < f.n; k++) {
		if (f.J[k] == 0.0) {
			f.J[k] = f.J[f.n - 1];
			f.d[k] = f.d[f.n - 1];
			f.rx[k] = f.rx[f.n - 1];
			f.emax[k] = f.emax[f.n - 1];
			f.n--;
			k--;
		}
	}
	if (!(S > 0)) {
		return INFINITY;
	}
	if (f.A + f.B >= 0) {
		return 0.0;
	}
	if (ev_xfun_bound(&f, S) < 0) {
		return INFINITY;
	}
	if (f.n == 0) {
		/* A + B e^{-rs} = 0 in closed form (B < -A < 0 here, A > 0 since ub >= 0) */
		if (!(f.A > 0)) {
			return INFINITY;
		}
		double s = log1p(-(f.A + f.B) / f.A) / f.r;
		return s <= S ? s : INFINITY;
	}
	/* zero of h' in (0, S), where f' may turn from rising to falling */
	double hp[3];
	int nh = 0;
	hp[nh++] = 0.0;
	if (f.n == 2 && f.J[0] * f.J[1] < 0 && f.d[0] != f.d[1]) {
		/* (with equal rates h' is one exponential: no zero) */
		double z = log(-(f.J[1] * f.rx[1]) / (f.J[0] * f.rx[0])) / (f.d[1] - f.d[0]);
		if (z > 0 && z < S) {
			hp[nh++] = z;
		}
	}
	hp[nh++] = S;
	/* Walk the monotone pieces of f, between the zeros of f' (one at most on
	 * each piece of h): f at each zero of f' (a local extremum) and at S
	 * decides; lo is the last point known to have f < 0. */
	double lo = 0.0, flo = f.A + f.B;
	double da = -f.r * f.B; /* f'(0) */
	for (int k = 0; k < f.n; k++) {
		da += f.J[k];
	}
	for (int i = 0; i + 1 < nh; i++) {
		double db, fb = ev_xfun_value(&f, hp[i + 1], &db, NULL);
		if ((da < 0 && db > 0) || (da > 0 && db < 0)) {
			double sg = da < 0 ? 1.0 : -1.0;
			double c =
			    solve(&f, 1, sg, hp[i], hp[i + 1], sg * da, sg * db, EV_CROSS_TOL_MS);
			double fc = ev_xfun_value(&f, c, NULL, NULL);
			if (fc >= 0) {
				return solve(&f, 0, 1.0, lo, c, flo, fc, EV_CROSS_TOL_MS);
			}
			lo = c;
			flo = fc;
		}
		da = db;
		if (i + 2 == nh && fb >= 0) {
			return solve(&f, 0, 1.0, lo, S, flo, fb, EV_CROSS_TOL_MS);
		}
	}
	return INFINITY;
}

/* ------------------------------------------------------------------ neurons */

/* Free evolution over s > 0 (not refractory). The errors are of the order
 * of one rounding of the largest of y, y_inf and the current terms: absolute
 * errors of about 1e-15 mV, whatever the interval. */
static void evolve(const struct ev_lif *P, struct ev_neuron *n, double s)
{
	double y_inf = (P->I_e + n->i_stim) * P->R;
	if (!P->exp_syn) {
		double y = y_inf + (n->y - y_inf) * exp(-s * P->r_m);
		/* the trajectory is monotone: once below V_min it is held there */
		n->y = y < P->v_min ? P->v_min : y;
		return;
	}
	double em = expm1(-s * P->r_m);
	double y = n->y + (n->y - y_inf) * em;
	{
		double e = 1.0 + em;
		if (n->i_ex != 0.0) {
			double ex;
			y += n->i_ex / P->C_m * term_E(e, P->r_m, P->d_ex, s, &ex);
			n->i_ex *= ex;
		}
		if (n->i_in != 0.0) {
			double ex;
			y += n->i_in / P->C_m * term_E(e, P->r_m, P->d_in, s, &ex);
			n->i_in *= ex;
		}
	}
	n->y = y;
}

static void decay_currents(const struct ev_lif *P, struct ev_neuron *n, double s)
{
	if (P->exp_syn && s > 0) {
		n->i_ex *= exp(-s * P->r_ex);
		n->i_in *= exp(-s * P->r_in);
	}
}

void ev_lif_advance(const struct ev_lif *P, struct ev_neuron *n, double t)
{
	if (!(t > n->t)) {
		return;
	}
	if (n->ref_end >= n->t) {
		/* refractory at n->t: held at the reset value until ref_end */
		if (t <= n->ref_end) {
			decay_currents(P, n, t - n->t);
			n->t = t;
			return;
		}
		decay_currents(P, n, n->ref_end - n->t);
		n->t = n->ref_end;
		n->y = P->reset;
	}
	evolve(P, n, t - n->t);
	n->t = t;
}

double ev_lif_next_crossing(const struct ev_lif *P, const struct ev_neuron *n, double t_end,
			    bool *check)
{
	double ta = n->t, y = n->y, iex = n->i_ex, iin = n->i_in;
	*check = false;
	if (n->ref_end >= ta) {
		if (P->exp_syn) {
			double s = n->ref_end - ta;
			iex *= exp(-s * P->r_ex);
			iin *= exp(-s * P->r_in);
		}
		y = P->reset;
		ta = n->ref_end;
	}
	double S = t_end - ta;
	if (!(S >= 0)) {
		return INFINITY;
	}
	double y_inf = (P->I_e + n->i_stim) * P->R;
	double A = y_inf - P->theta;
	if (!P->exp_syn || (iex == 0.0 && iin == 0.0)) {
		/* y_inf + (y - y_inf) e^{-s/tau_m} = theta; the ratio is above 1 and
		 * log's absolute error (what a time needs) is one rounding */
		if (!(A > 0)) {
			return INFINITY;
		}
		double s = P->tau_m * log((y_inf - y) / A);
		return s <= S ? ta + s : INFINITY;
	}
	struct ev_xfun f = {A, y - y_inf, P->r_m, 0, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
	if (iex != 0.0) {
		f.J[f.n] = iex / P->C_m;
		f.d[f.n] = P->d_ex;
		f.rx[f.n] = P->r_ex;
		f.emax[f.n] = P->emax_ex;
		f.n++;
	}
	if (iin != 0.0) {
		f.J[f.n] = iin / P->C_m;
		f.d[f.n] = P->d_in;
		f.rx[f.n] = P->r_in;
		f.emax[f.n] = P->emax_in;
		f.n++;
	}
	if (ev_xfun_bound(&f, S) < 0) {
		return INFINITY; /* never, whatever the window */
	}
	/* look ahead over a window that doubles while no input comes */
	double W = ta - n->t_in;
	W = W > P->window ? W : P->window;
	if (W < S) {
		double s = ev_first_root(&f, W);
		if (isinf(s)) {
			*check = true;
			return ta + W;
		}
		return ta + s;
	}
	double s = ev_first_root(&f, S);
	return isinf(s) ? INFINITY : ta + s;
}

/* ------------------------------------------------------------------ rows */

static inline const struct ev_lif *lif_par(const struct ev_pop *p, const struct ev_neuron *n)
{
	return (const struct ev_lif *)p->par + n->par;
}

static bool lif_homogeneous(const struct population *p)
{
	bool hom = true;
	for (int k = 0; k < p->model->n_params; k++) {
		hom = hom && value_is_const(&p->params[k]);
	}
	return hom;
}

/* One record for a population of one parameter set, else one per neuron. */
static uint64_t lif_n_par(const struct population *p)
{
	return lif_homogeneous(p) ? 1 : p->size;
}

static int lif_setup(struct ev_net *ev, struct ev_pop *ep, bool exp_syn, snn_diag *d)
{
	const snn_net *net = ev->net;
	const struct population *p = ep->ir;
	struct ev_lif *par = ep->par;
	bool hom = lif_homogeneous(p);
	double vals[LIF_N_PARAMS];
	if (hom) {
		for (int k = 0; k < LIF_N_PARAMS; k++) {
			vals[k] = p->params[k].a;
		}
		ev_lif_init(&par[0], vals, exp_syn);
	}
	for (uint32_t k = 0; k < p->size; k++) {
		struct ev_neuron *n = &ev->nrn[p->first + k];
		n->ref_end = -INFINITY;
		if (hom) {
			n->par = 0;
		} else {
			for (int q = 0; q < LIF_N_PARAMS; q++) {
				if (net_draw_param(net, p, q, k, &vals[q], d) != 0) {
					return SNN_EINVAL;
				}
			}
			if (!(vals[LIF_V_RESET] < vals[LIF_V_TH])) {
				return snn_diag_error(
				    d, SNN_EINVAL, p->where.file, p->where.line, p->where.col,
				    "population '%s', neuron %u: V_reset %g mV is "
				    "not below V_th %g mV; bound the distributions",
				    p->name, k, vals[LIF_V_RESET], vals[LIF_V_TH]);
			}
			n->par = k;
			ev_lif_init(&par[k], vals, exp_syn);
		}
		const struct ev_lif *P = &par[n->par];
		double vm;
		if (net_draw_init(net, p, LIF_S_V_M, k, P->E_L, &vm, d) != 0) {
			return SNN_EINVAL;
		}
		n->y = vm - P->E_L;
		if (exp_syn && (net_draw_init(net, p, LIF_S_I_SYN_EX, k, 0.0, &n->i_ex, d) != 0 ||
				net_draw_init(net, p, LIF_S_I_SYN_IN, k, 0.0, &n->i_in, d) != 0)) {
			return SNN_EINVAL;
		}
	}
	return SNN_OK;
}

static int lif_delta_setup(struct ev_net *ev, struct ev_pop *ep, snn_diag *d)
{
	return lif_setup(ev, ep, false, d);
}

static int lif_exp_setup(struct ev_net *ev, struct ev_pop *ep, snn_diag *d)
{
	return lif_setup(ev, ep, true, d);
}

/* The next crossing, or the look-ahead check that stands for it. */
static inline struct ev_next lif_predict(const struct ev_net *ev, const struct ev_lif *P,
					 const struct ev_neuron *n)
{
	bool check;
	double t = ev_lif_next_crossing(P, n, ev->t_end, &check);
	return (struct ev_next){t, check ? EV_CHECK : EV_EMIT};
}

/* After n changed at t: a spike now if it stands at or above the threshold
 * (after every other input at t, by the engine's tie rule), else its next
 * crossing. */
static inline struct ev_next lif_reschedule(const struct ev_net *ev, const struct ev_lif *P,
					    struct ev_neuron *n, double t)
{
	n->t_in = t;
	if (n->ref_end < t && n->y >= P->theta) {
		return (struct ev_next){t, EV_EMIT};
	}
	return lif_predict(ev, P, n);
}

static struct ev_next lif_first(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
				double amp_pa)
{
	struct ev_neuron *n = &ev->nrn[g];
	const struct ev_lif *P = lif_par(p, n);
	n->i_stim = amp_pa;
	if (n->y < P->theta) {
		return lif_predict(ev, P, n);
	}
	return (struct ev_next){0.0, EV_EMIT};
}

static struct ev_next lif_emit(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double t)
{
	struct ev_neuron *n = &ev->nrn[g];
	const struct ev_lif *P = lif_par(p, n);
	ev_lif_advance(P, n, t);
	n->y = P->reset;
	n->ref_end = t + P->t_ref;
	n->t_in = t;
	struct ev_next nx = lif_predict(ev, P, n);
	/* a crossing so soon after the reset (t_ref 0 and a huge current) that
	 * it rounds to t still moves time forward */
	if (nx.t <= ev->t_end && !(nx.t > t)) {
		nx.t = nextafter(t, INFINITY);
	}
	return nx;
}

/* The end of a look-ahead window: no crossing before it. */
static struct ev_next lif_resume(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double t)
{
	struct ev_neuron *n = &ev->nrn[g];
	const struct ev_lif *P = lif_par(p, n);
	ev_lif_advance(P, n, t);
	return lif_predict(ev, P, n);
}

/* A voltage jump (delta synapses; dropped while refractory) or a step of a
 * synaptic current. */
static struct ev_next lif_input(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double w,
				double t)
{
	struct ev_neuron *n = &ev->nrn[g];
	const struct ev_lif *P = lif_par(p, n);
	if (!P->exp_syn) {
		if (t <= n->ref_end) {
			return (struct ev_next){t, EV_KEEP};
		}
		ev_lif_advance(P, n, t);
		n->y += w;
		if (n->y < P->v_min) {
			n->y = P->v_min;
		}
	} else {
		ev_lif_advance(P, n, t);
		if (w >= 0) {
			n->i_ex += w;
		} else {
			n->i_in += w;
		}
	}
	return lif_reschedule(ev, P, n, t);
}

static struct ev_next lif_current(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
				  double amp_pa, double t)
{
	struct ev_neuron *n = &ev->nrn[g];
	const struct ev_lif *P = lif_par(p, n);
	ev_lif_advance(P, n, t);
	n->i_stim = amp_pa;
	return lif_reschedule(ev, P, n, t);
}

static double lif_get(const struct ev_net *ev, const struct ev_pop *p, uint32_t g, int var,
		      double t)
{
	struct ev_neuron c = ev->nrn[g];
	const struct ev_lif *P = lif_par(p, &c);
	ev_lif_advance(P, &c, t);
	switch (var) {
	case LIF_S_V_M:
		return c.y + P->E_L;
	case LIF_S_I_SYN_EX:
		return c.i_ex;
	case LIF_S_I_SYN_IN:
		return c.i_in;
	default:
		return NAN;
	}
}

/* The two lif models differ only in their setup (delta or exponential
 * synapses); every event operation reads the synapse kind from ev_lif. */
#define LIF_EVENT_OPS(setup_fn)                                                                 \
	{                                                                                       \
		.par_size = sizeof(struct ev_lif), .n_par = lif_n_par, .setup = (setup_fn),     \
		.first = lif_first, .emit = lif_emit, .resume = lif_resume, .input = lif_input, \
		.current = lif_current, .get = lif_get,                                         \
	}
const struct event_ops model_lif_delta_event = LIF_EVENT_OPS(lif_delta_setup);
const struct event_ops model_lif_exp_event = LIF_EVENT_OPS(lif_exp_setup);
#undef LIF_EVENT_OPS
