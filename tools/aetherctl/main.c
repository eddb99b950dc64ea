// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - aetherctl, one command-line tool over the Aether devices
 *
 *   aetherctl [--json] [--device PATH] <module> <command> [options]
 *   aetherctl [--json] status | top [options]	(status.c: the whole suite)
 *
 * Global options may also follow the command.  Exit status: 0 on success,
 * 1 when the module or the system refused, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "aetherctl.h"

/* The modules aetherctl knows, in the order --help shows them. */
static const struct actl_module *const actl_modules[] = {
	&actl_mm_module,
	&actl_region_module,
	&actl_slub_module,
	&actl_zram_module,
	&actl_dedupe_module,
	&actl_qos_module,
};

/*
 * "aetherctl <module> --help": the module's commands, one format for all,
 * then its notes.
 */
static void actl_module_usage(FILE *f, const struct actl_module *mod)
{
	unsigned int i;

	fprintf(f, "aetherctl %s <command>  (%s):\n", mod->name, mod->device);
	if (mod->default_cmd)
		fprintf(f, "  (no command: %s)\n", mod->default_cmd);
	for (i = 0; i < mod->nr_cmds; i++) {
		const struct actl_cmd *cmd = &mod->cmds[i];

		if (*cmd->args)
			fprintf(f, "  %-8s %s\n", cmd->name, cmd->args);
		else
			fprintf(f, "  %s\n", cmd->name);
		fprintf(f, "\t\t%s\n", cmd->help);
	}
	if (mod->alone)
		fprintf(f, "  %-8s %s\n\t\t%s\n", mod->alone->name,
			mod->alone->args, mod->alone->help);
	if (mod->notes)
		fprintf(f, "\n%s", mod->notes);
}

static void actl_usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"usage: aetherctl [--json] [--device PATH] <module> <command> [options]\n"
		"\n"
		"Global options (also accepted after the command):\n"
		"  --json          print one JSON object instead of tables\n"
		"  --device PATH   device node (default /dev/aether_<module>)\n"
		"  -h, --help      this text; 'aetherctl mm --help' for mm\n"
		"\n"
		"The whole suite (each part only when its module is loaded):\n"
		"  status [--rows N]\n"
		"                  pool, slabs, zram devices, dedupe, QoS groups,\n"
		"                  firewall denials: one screen (N caches and\n"
		"                  groups, the largest first; 0: all; default 10)\n"
		"  top [--rows N] [-i|--interval S] [-n|--iterations N]\n"
		"                  that screen every S seconds (2), as slabtop;\n"
		"                  q, Ctrl-C or N screens end it\n"
		"\n"
		"Modules:\n");
	for (i = 0; i < ARRAY_SIZE(actl_modules); i++)
		fprintf(f, "  %-15s %s\n", actl_modules[i]->name,
			actl_modules[i]->summary);
	for (i = 0; i < ARRAY_SIZE(actl_modules); i++) {
		fputc('\n', f);
		actl_module_usage(f, actl_modules[i]);
	}
}

void actl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("aetherctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report a failed call with its errno text. */
void actl_errno(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("aetherctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

int actl_parse_u64(const char *what, const char *s, __u64 *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		actl_err("%s: '%s' is not a number", what, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int actl_parse_int(const char *what, const char *s, long min, long max,
		   long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end) {
		actl_err("%s: '%s' is not a number", what, s);
		return -EINVAL;
	}
	if (v < min || v > max) {
		actl_err("%s: %ld is out of range %ld..%ld", what, v, min, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

/*
 * Take the global options out of argv wherever they are, so that the
 * commands only see their own.
 */
static int actl_global_opts(struct actl_ctx *ctx, int *argc, char **argv)
{
	int i, j = 1;

	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctx->json = true;
		} else if (!strcmp(argv[i], "--device")) {
			if (i + 1 >= *argc) {
				actl_err("--device needs a path");
				return -EINVAL;
			}
			ctx->device = argv[++i];
		} else if (!strncmp(argv[i], "--device=", 9)) {
			ctx->device = argv[i] + 9;
		} else {
			argv[j++] = argv[i];
		}
	}
	*argc = j;
	argv[j] = NULL;
	return 0;
}

/*
 * Open @dev, the device of @module, run @fn on it with the output set up,
 * and turn its answer into an exit status (@usage_ret: a usage error).
 */
int actl_run_on_device(const struct actl_ctx *ctx, const char *dev,
		       const char *module, actl_cmd_fn fn, int argc,
		       char **argv, int usage_ret)
{
	int fd, ret;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		actl_errno(err, "cannot open %s", dev);
		if (err == ENOENT)
			actl_err("is the %s module loaded?", module);
		return ACTL_EXIT_ERR;
	}
	out_begin(ctx);
	opterr = 1;
	optind = 1;
	ret = fn(ctx, fd, argc, argv);
	out_end();
	close(fd);
	if (ret == usage_ret)
		return ACTL_EXIT_USAGE;
	return ret ? ACTL_EXIT_ERR : ACTL_EXIT_OK;
}

int actl_ioctl(int fd, unsigned long cmd, void *arg, const char *what)
{
	if (ioctl(fd, cmd, arg) < 0) {
		int err = errno;

		if (err == EPERM)
			actl_err("%s: needs CAP_SYS_ADMIN (run as root)", what);
		else
			actl_errno(err, "%s", what);
		return -err;
	}
	return 0;
}

bool actl_hold(unsigned long seconds)
{
	struct timespec one = { .tv_sec = 1 };
	sigset_t stop, old;
	int sig = -1;

	if (!seconds)
		return false;
	/* Blocked, and taken by the waits below: none is lost or fatal. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	while (sig < 0) {
		if (seconds == ACTL_HOLD_FOREVER)
			sig = sigwaitinfo(&stop, NULL);
		else if (seconds--)
			sig = sigtimedwait(&stop, NULL, &one);
		else
			break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sig > 0;
}

/*
 * A command that runs by itself gets its arguments as typed, and --json
 * back at the end when it was given (global options were taken out).
 */
static int actl_run_alone(const struct actl_ctx *ctx,
			  const struct actl_alone_cmd *cmd, int argc,
			  char **argv)
{
	char **args;
	int i, ret;

	args = calloc(argc + 2, sizeof(*args));
	if (!args) {
		actl_err("out of memory");
		return ACTL_EXIT_ERR;
	}
	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	if (ctx->json)
		args[i++] = "--json";
	args[i] = NULL;
	opterr = 1;
	optind = 1;
	ret = cmd->run(i, args);
	free(args);
	fflush(stdout);
	return ret;
}

int actl_module_main(const struct actl_ctx *ctx,
		     const struct actl_module *mod, int argc, char **argv)
{
	const char *dev = ctx->device ? ctx->device : mod->device;
	char *dflt[3] = { argv[0], (char *)mod->default_cmd, NULL };
	const struct actl_cmd *cmd = NULL;
	unsigned int i;

	/* "aetherctl zram" is "aetherctl zram list", as zramctl alone. */
	if (argc < 2 && mod->default_cmd) {
		argv = dflt;
		argc = 2;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		actl_module_usage(argc < 2 ? stderr : stdout, mod);
		return argc < 2 ? ACTL_EXIT_USAGE : ACTL_EXIT_OK;
	}
	if (mod->alone && !strcmp(argv[1], mod->alone->name))
		return actl_run_alone(ctx, mod->alone, argc - 1, argv + 1);
	for (i = 0; i < mod->nr_cmds; i++)
		if (!strcmp(argv[1], mod->cmds[i].name))
			cmd = &mod->cmds[i];
	if (!cmd) {
		actl_err("unknown command '%s %s' (try 'aetherctl %s --help')",
			 mod->name, argv[1], mod->name);
		return ACTL_EXIT_USAGE;
	}
	for (i = 2; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: aetherctl %s %s %s\n  %s\n\n", mod->name,
			       cmd->name, cmd->args, cmd->help);
			actl_module_usage(stdout, mod);
			return ACTL_EXIT_OK;
		}
	}
	return actl_run_on_device(ctx, dev, mod->module, cmd->fn, argc - 1,
				  argv + 1, ACTL_USAGE);
}

int main(int argc, char **argv)
{
	struct actl_ctx ctx = { 0 };
	unsigned int i;

	if (actl_global_opts(&ctx, &argc, argv))
		return ACTL_EXIT_USAGE;
	if (argc < 2) {
		actl_usage(stderr);
		return ACTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		actl_usage(stdout);
		return ACTL_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(actl_modules); i++)
		if (!strcmp(argv[1], actl_modules[i]->name))
			return actl_module_main(&ctx, actl_modules[i],
						argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return actl_status_main(&ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "top"))
		return actl_top_main(&ctx, argc - 1, argv + 1);
	actl_err("unknown module '%s' (try --help)", argv[1]);
	return ACTL_EXIT_USAGE;
}
