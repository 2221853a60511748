/*
 * The tools' shared command line: option tables in rows (tmux's cmd_entry
 * style), one parser with one set of messages, and the small pieces of a run
 * that more than one tool needs (default output names, the live stream and
 * its viewer, the JSON summary).
 * Layer: tools (libsnncli, not part of libsnn). Uses public headers only.
 */
#ifndef SNN_CLI_INT_H
#define SNN_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "snn/snn.h"

/* What an option's value is and how it is stored at its row's offset. */
enum cli_kind {
	CLI_FLAG,     /* no value: bool = true */
	CLI_INT,      /* int, a whole number in [min, max] */
	CLI_U64,      /* unsigned long long, a whole number >= 0 (<= max when max > 0; and a
			 bool at flag_offset) */
	CLI_POSITIVE, /* double, a number > 0 and <= max */
	CLI_NUMBER,   /* double, a number in [min, max] */
	CLI_STRING,   /* const char *, any text (non-empty when min > 0) */
	CLI_CHOICE,   /* const char *, one of the words of choices */
	CLI_WORD,     /* int, the index of the value among the words of choices */
	CLI_LIST,     /* struct cli_list, every value in order */
	CLI_NIR,      /* snn_nir_options: the convention named by the row (snn_nir_option_set) */
	CLI_CALL,     /* the row's setter (a library's parser) stores the value */
	CLI_SEE,      /* not parsed here: a second description of an option of another row */
};

/* A CLI_CALL row's setter: stores the text `value` of option `name` at
 * `field`, or returns a status with the reason in d (printed as
 * "PROG: error: REASON"). value is never NULL (a missing value is reported
 * by the parser). */
typedef int (*cli_setter)(void *field, const char *name, const char *value, snn_diag *d);

/* One option: a row of a table that ends with a row whose name is NULL. */
struct cli_option {
	const char *name; /* "--threads" */
	char short_name;  /* 'o' for -o, or 0 */
	enum cli_kind kind;
	size_t offset;	     /* of the value in the tool's argument struct */
	const char *arg;     /* the value's name in the usage ("N"); NULL for a flag */
	const char *expects; /* "NAME expects EXPECTS[, got VALUE]"; NULL for CLI_NIR */
	const char *choices; /* CLI_CHOICE: "cpu|cuda" */
	double min, max;     /* CLI_INT, CLI_POSITIVE (max), CLI_STRING (min > 0: non-empty) */
	unsigned group;	     /* a tool's bit, collected in cli_parsed.groups when given */
	const char *help;    /* the usage text; '\n' starts a continuation line */
	const char *say;     /* the name in messages when not `name` ("-o") */
	size_t flag_offset;  /* CLI_U64: a bool set when given (0: none) */
	cli_setter set;	     /* CLI_CALL: the setter */
};

/* How a bad or missing value is reported. */
enum cli_style {
	CLI_SAY_EXPECTS,  /* "NAME expects EXPECTS, got VALUE" (snnsim, snnemu) */
	CLI_SAY_EXPECTED, /* "NAME VALUE: expected EXPECTS", "NAME (missing): expected a value"
			     (snncc) */
};

/* The values of a CLI_LIST option. */
struct cli_list {
	const char **v;
	size_t n;
};

/* A command: its program, its tables and what it says about positionals. */
struct cli_command {
	const char *prog;			/* "snnsim" */
	const struct cli_option *const *tables; /* NULL-terminated */
	size_t max_positional;
	const char *too_many;	 /* "one TOO_MANY at a time (got 'A' and 'B')" */
	const char *usage_error; /* when set, an unknown option or an extra positional prints
				    "PROG: error: usage: USAGE_ERROR" */
	enum cli_style style;
	bool tool_says_stray; /* an unknown option or an extra positional stops the parse
				 unreported, in cli_parsed.stray: the tool says why */
};

/* What cli_parse found besides the values. */
struct cli_parsed {
	const char *positional[4];
	size_t n_positional;
	unsigned groups;	/* the group bits of every option given */
	const char *group_name; /* the name of the last option given that has a group */
	const char *stray;	/* tool_says_stray: the unknown option or extra positional */
};

/* Parses argv[first..argc) against the command's tables into `target` and
 * `p`: "--name VALUE", "--name=VALUE", "-s VALUE" or a flag; anything else
 * that starts with '-' is an unknown option. Prints the first problem as
 * "PROG: error: ..." to stderr and returns SNN_EINVAL (SNN_ENOMEM when a list
 * cannot grow); SNN_OK otherwise. Lists are freed with cli_list_free. */
int cli_parse(const struct cli_command *c, int argc, char **argv, int first, void *target,
	      struct cli_parsed *p);

/* The index in argv[first..argc) of the first argument that is one of the
 * '|'-separated words ("--help|-h"), or 0 when none is. */
int cli_find(int argc, char **argv, int first, const char *words);

/* Whether s ends with suffix (a file name's extension: ".csv"). */
bool cli_ends_with(const char *s, const char *suffix);

/* A CLI_CALL setter for a Loihi placement (enum snn_loihi_placement at
 * field) by snn_loihi_placement_from_name: auto, sequential, greedy, metis. */
int cli_set_placement(void *field, const char *name, const char *value, snn_diag *d);

/* A CLI_CALL setter for a time with its unit (snn_units_parse: "200ms",
 * "1.5 s"), stored in milliseconds (double at field); a bad one reads
 * "NAME: why". */
int cli_set_time(void *field, const char *name, const char *value, snn_diag *d);

/* Frees a list's array (not its strings, which are argv's); accepts an empty list. */
void cli_list_free(struct cli_list *l);

/* Prints the rows of a table as usage lines: "  NAME ARG" padded to column
 * 23 (36 when longer), then the help, continuation lines at column 23. */
void cli_usage(FILE *out, const struct cli_option *table);

/* Prints "PROG: error: MESSAGE" of the diagnostic's first entry to stderr
 * when it has no file, else the diagnostic as it is. */
void cli_print_diag(const char *prog, const snn_diag *d);

/* The default output of a model: its file name without folder and extension,
 * plus suffix, in the current folder. Returns buf. */
const char *cli_default_output(const char *model, const char *suffix, char *buf, size_t n);

/* Writes the statistics as JSON to path. Returns 0, or SNN_EXIT_RUN_FAILED
 * after printing "PROG: error: PATH: cannot write: why". */
int cli_write_json(const char *prog, const char *path, const snn_stats *st);

/* A run's progress line on a terminal (stderr), and the stop request of
 * Ctrl-C, SIGTERM, SIGHUP and SIGQUIT. Fill with cli_progress_init. */
struct cli_progress {
	bool tty; /* stderr is a terminal and the run is not quiet */
	double last;
};

/* Starts the progress of a run: shown when stderr is a terminal and not quiet. */
void cli_progress_init(struct cli_progress *ps, bool quiet);
/* An snn_progress callback (ctx: a struct cli_progress): redraws the line at
 * most 4 times a second; returns 1 (stop) once an interrupt came. */
int cli_on_progress(void *ctx, const snn_progress *p);
/* Clears the progress line. */
void cli_progress_end(const struct cli_progress *ps);
/* Ctrl-C, SIGTERM, SIGHUP and SIGQUIT ask a run to stop at its next
 * bookkeeping step (cli_on_progress, cli_interrupted), which removes its
 * temporary output files. Install before anything is loaded or built, so
 * that an early signal is not lost (a background job starts with SIGINT
 * ignored). */
void cli_catch_signals(void);
/* Whether one of those signals came since cli_catch_signals. */
bool cli_interrupted(void);
/* A stop callback (ctx unused): 1 once one of those signals came, else 0. */
int cli_stop_requested(void *ctx);

/* Refuses an output that would destroy an input or cannot be written: `out`
 * (NULL: none) being the same file as one of the n_inputs paths (NULL entries
 * are skipped), or, when hdf5, out existing and not being a regular file (a
 * device, a FIFO, a folder). Returns 0, or SNN_EXIT_BAD_INPUT after printing
 * "PROG: error: -o OUT ..." naming both files, or the output. */
int cli_check_output(const char *prog, const char *out, bool hdf5, const char *const *inputs,
		     size_t n_inputs);

/* The live stream of a run: the socket, and for --view the folder made for
 * it and the viewer started on it. Zero it before cli_live_open. */
struct cli_live {
	snn_stream_writer *w;
	char dir[108]; /* in $TMPDIR or /tmp (cli_live_open) */
	char sock[128];
};

/* Loads a model (snn_model_load). Returns 0, or the exit code after printing
 * the diagnostics and, when there are several, "N errors". */
int cli_load_model(const char *path, const snn_load_options *o, snn_net **net, snn_diag *d);

/* Builds and runs net with opt, its progress on the terminal unless quiet
 * (Ctrl-C stops it; opt's software and progress fields are set here), closes
 * the live stream lv (may be NULL) when the run ends, then prints the
 * statistics and the line `wrote` (may be NULL) unless quiet, and writes the
 * statistics to summary_json (may be NULL). Returns the exit code, after
 * printing why the run failed. */
int cli_sim_run(const char *prog, const snn_net *net, snn_sim_options *opt, bool quiet,
		const char *wrote, const char *summary_json, struct cli_live *lv, snn_diag *d);

/* Runs the NIR graph net on `in` with ro (its progress set here, as in
 * cli_sim_run), closes the live stream lv (may be NULL) when the run of
 * total_ms ends, writes the outputs to `output` (snn_nir_result_write), then
 * prints the statistics and the outputs unless quiet, and writes the
 * statistics to summary_json (may be NULL). Returns the exit code, after
 * printing why the run failed. */
int cli_nir_run(const char *prog, snn_net *net, const snn_nir_data *in, snn_nir_run_options *ro,
		bool quiet, const char *output, const char *summary_json, struct cli_live *lv,
		double total_ms, snn_diag *d);

/* What a run's command line changes in a loaded network. */
struct cli_overrides {
	bool seed_set;
	unsigned long long seed;
	const char *backend;  /* cpu|cuda, or NULL */
	const char *engine;   /* grid|event, or NULL */
	const char *duration; /* a time with its unit, or NULL */
};

/* Applies --seed, --backend, --engine and --duration to net. Returns 0, or
 * SNN_EXIT_BAD_INPUT after printing "PROG: error: --OPTION: why". */
int cli_override(const char *prog, const struct cli_overrides *ov, snn_net *net, snn_diag *d);

/* Prints a loaded model for check and inspect: a NIR graph's nodes
 * (snn_nir_inspect), else the populations, totals, memory estimate and
 * "PATH: ok". */
void cli_print_model(FILE *out, const char *path, const snn_net *net, enum snn_model_format fmt);

/* Opens the stream of a run of duration_ms on socket `stream`, or with
 * `view` on a socket of its own with snnview started on it ($SNNSIM_VIEWER,
 * else snnview next to this program, else on the PATH). Returns 0, or -1
 * after printing why. A viewer that cannot start is a warning only. */
int cli_live_open(const char *prog, const char *stream, bool view, bool quiet, const snn_net *net,
		  double duration_ms, struct cli_live *lv, snn_diag *d);

/* Closes the stream (ok: the run ended at t_ms) and says what it sent unless
 * quiet; removes --view's folder. Safe to call twice. */
void cli_live_close(const char *prog, struct cli_live *lv, bool ok, double t_ms, bool quiet);

#endif
