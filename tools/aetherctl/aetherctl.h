/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aetherctl.h - what the parts of aetherctl share
 *
 * main.c parses the global options, finds the module in actl_modules[]
 * and runs its command (one dispatcher, actl_ioctl(), actl_hold());
 * mm.c, mm_alloc.c and mm_bench.c talk to /dev/aether_mm about the pool
 * (info, stats, blocks, compaction, the benchmark); region.c and
 * region_bench.c about regions (create, list, show, migrate, the fault
 * benchmark); slub.c and slub_bench.c to /dev/aether_slub; zram.c and
 * zram_bench.c to /dev/aether_zram-control and its devices; dedupe.c to
 * /dev/aether_dedupe (and region fds for merging a range); qos.c to
 * /dev/aether_qos; status.c gives one screen over all of them (status,
 * top); output.c prints tables for people and JSON for scripts from the same calls.
 */
#ifndef AETHERCTL_H
#define AETHERCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <linux/types.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define ACTL_EXIT_OK	0
#define ACTL_EXIT_ERR	1
#define ACTL_EXIT_USAGE	2

struct actl_ctx {
	bool json;
	const char *device;	/* NULL: the module's default */
};

/* main.c */
void actl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void actl_errno(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int actl_parse_u64(const char *what, const char *s, __u64 *out);
int actl_parse_int(const char *what, const char *s, long min, long max,
		   long *out);

typedef int (*actl_cmd_fn)(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv);
int actl_run_on_device(const struct actl_ctx *ctx, const char *dev,
		       const char *module, actl_cmd_fn fn, int argc,
		       char **argv, int usage_ret);

/* A command's answer for a usage error (exit 2); -errno otherwise. */
#define ACTL_USAGE	(-1000)

/* One command of a module: its name, its function and a line of help. */
struct actl_cmd {
	const char *name;
	actl_cmd_fn fn;
	const char *args;
	const char *help;
};

/*
 * A command that runs by itself: no device opened for it, no output
 * document around it, its own --help; argv[0] is its name, and a global
 * --json comes back as its last argument.  It returns the exit status.
 */
struct actl_alone_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *help;
};

/*
 * "aetherctl dedupe bench" (dedupe_bench.c): aether_dedupe against KSM on
 * the same pages; the dedupe module's alone command.
 */
extern const struct actl_alone_cmd actl_dedupe_bench_cmd;

/*
 * One module of aetherctl: "aetherctl <name> <command>" runs a command of
 * @cmds on an fd of @device (or --device).  A new module is one file that
 * defines one of these, and a line in actl_modules[] (main.c).
 */
struct actl_module {
	const char *name;	/* on the command line */
	const char *summary;	/* its line in "aetherctl --help" */
	const char *device;	/* default device node */
	const char *module;	/* kernel module behind it, for errors */
	const struct actl_cmd *cmds;
	unsigned int nr_cmds;
	const char *notes;	/* after the commands in its --help, or NULL */
	const char *default_cmd; /* "aetherctl <name>" alone runs it, or NULL */
	const struct actl_alone_cmd *alone; /* or NULL */
};

extern const struct actl_module actl_mm_module;
extern const struct actl_module actl_region_module;
extern const struct actl_module actl_slub_module;
extern const struct actl_module actl_zram_module;
extern const struct actl_module actl_dedupe_module;
extern const struct actl_module actl_qos_module;

/* The one dispatcher: argv[0] is the module's name, argv[1] a command. */
int actl_module_main(const struct actl_ctx *ctx,
		     const struct actl_module *mod, int argc, char **argv);
/* ioctl(); on failure say what failed (EPERM: needs root) and -errno. */
int actl_ioctl(int fd, unsigned long cmd, void *arg, const char *what);
/*
 * Sleep @seconds, or until SIGINT or SIGTERM (ACTL_HOLD_FOREVER: only
 * those end it); the command then returns and aetherctl exits normally,
 * closing what it held.  True when a signal ended it.
 */
#define ACTL_HOLD_FOREVER	(~0UL)
bool actl_hold(unsigned long seconds);

/*
 * bench.c: the options every benchmark command takes.  Its getopt_long()
 * table starts with ACTL_BENCH_OPTIONS and its short options with
 * ACTL_BENCH_SHORTOPTS; actl_bench_opt() takes a common option (1), leaves
 * the command's own (0), or refuses a bad value (ACTL_USAGE).
 */
struct actl_bench_opts {
	__u32 op;		/* index into the command's names of ops */
	__u32 threads;
	__u32 rounds;
	__u64 iterations;
	bool zero;		/* --zero: the BENCH_ZERO flag */
	bool all;		/* --all: the set the project reports */
};

#define ACTL_BENCH_SHORTOPTS	"o:t:r:i:Za"
#define ACTL_BENCH_OPTIONS					\
	{ "op", required_argument, NULL, 'o' },			\
	{ "threads", required_argument, NULL, 't' },		\
	{ "rounds", required_argument, NULL, 'r' },		\
	{ "iterations", required_argument, NULL, 'i' },		\
	{ "zero", no_argument, NULL, 'Z' },			\
	{ "all", no_argument, NULL, 'a' }

void actl_bench_init(struct actl_bench_opts *o);
int actl_bench_opt(int c, const char *arg, const char *const *ops,
		   unsigned int nr_ops, struct actl_bench_opts *o);

/* output.c: one document of sections, each a table or key/value list. */
struct actl_out;

void out_begin(const struct actl_ctx *ctx);
void out_end(void);
struct actl_out *out_table(const char *name, const char *title);
struct actl_out *out_kv(const char *name, const char *title);
void out_col(struct actl_out *t, const char *key, const char *header);
void out_row(struct actl_out *t);
void out_key(struct actl_out *t, const char *key, const char *label);
void out_u64(struct actl_out *t, __u64 v);
void out_s64(struct actl_out *t, __s64 v);
void out_x1000(struct actl_out *t, __s64 v);
void out_pct(struct actl_out *t, __u64 part, __u64 whole);
void out_hex(struct actl_out *t, __u64 v);
void out_str(struct actl_out *t, const char *s);
void out_flush(struct actl_out *t);
void out_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * status.c: "aetherctl status" and "aetherctl top", one screen over every
 * loaded module; argv[0] is the command's name.  They return the exit
 * status.
 */
int actl_status_main(const struct actl_ctx *ctx, int argc, char **argv);
int actl_top_main(const struct actl_ctx *ctx, int argc, char **argv);

#endif /* AETHERCTL_H */
