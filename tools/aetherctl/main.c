// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - aetherctl, one command-line tool over the Aether devices
 *
 *   aetherctl [--json] [--device PATH] <module> <command> [options]
 *
 * Global options may also follow the command.  Exit status: 0 on success,
 * 1 when the module or the system refused, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aetherctl.h"

static void actl_usage(FILE *f)
{
	fprintf(f,
		"usage: aetherctl [--json] [--device PATH] <module> <command> [options]\n"
		"\n"
		"Global options (also accepted after the command):\n"
		"  --json          print one JSON object instead of tables\n"
		"  --device PATH   device node (default /dev/aether_<module>)\n"
		"  -h, --help      this text; 'aetherctl mm --help' for mm\n"
		"\n"
		"Modules:\n"
		"  mm              the page pool (/dev/aether_mm)\n"
		"  region          regions: pool memory that processes map\n"
		"                  (/dev/aether_mm)\n"
		"  slub            the object caches (/dev/aether_slub)\n"
		"\n");
	actl_mm_usage(f);
	fputc('\n', f);
	actl_region_usage(f);
	fputc('\n', f);
	actl_slub_usage(f);
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

int main(int argc, char **argv)
{
	struct actl_ctx ctx = { 0 };

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
	if (!strcmp(argv[1], "mm"))
		return actl_mm_main(&ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "region"))
		return actl_region_main(&ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "slub"))
		return actl_slub_main(&ctx, argc - 1, argv + 1);
	actl_err("unknown module '%s' (try --help)", argv[1]);
	return ACTL_EXIT_USAGE;
}
