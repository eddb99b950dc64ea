// SPDX-License-Identifier: GPL-2.0
/*
 * slub.c - aetherctl slub: the object caches of /dev/aether_slub
 *
 *   list                     the caches the caller may see (its own; root:
 *                            all), slabinfo-like, with their owners
 *   info                     size classes and module-wide counters
 *   stats NAME[@OWNER]       one cache in detail, by name (and owner: a
 *                            uid, or "kernel", as names are per owner)
 *   create NAME SIZE [...]   make a cache on this fd, allocate, show, hold
 *   trigger SCENARIO [...]   commit one debug error on purpose (root)
 *   shrink                   give every empty slab back to the pool (root)
 *   bench [...]              aether_slub against kmem_cache (slub_bench.c)
 *
 * A cache made by "create" lives as long as aetherctl's fd: --hold keeps
 * it for a while so that it can be looked at from elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "slub.h"

static const char * const slub_err_keys[AETHER_SLUB_NR_ERRORS] = {
	"double_free", "invalid_free", "redzone", "write_after_free",
	"corrupt",
};

static const char * const slub_trigger_names[AETHER_SLUB_NR_TRIGGERS] = {
	"double-free", "invalid-free", "redzone", "write-after-free",
	"redzone-left",
};

/* Flags from letters, as the module's debug= parameter: F Z P U, H. */
static int slub_parse_flags(const char *s, __u32 *flags)
{
	*flags = 0;
	for (; *s; s++) {
		switch (*s) {
		case 'F': case 'f':
			*flags |= AETHER_SLUB_F_CONSISTENCY;
			break;
		case 'Z': case 'z':
			*flags |= AETHER_SLUB_F_RED_ZONE;
			break;
		case 'P': case 'p':
			*flags |= AETHER_SLUB_F_POISON;
			break;
		case 'U': case 'u':
			*flags |= AETHER_SLUB_F_STORE_USER;
			break;
		case 'H': case 'h':
			*flags |= AETHER_SLUB_F_HWCACHE_ALIGN;
			break;
		default:
			actl_err("--flags: '%c' is not one of F, Z, P, U, H", *s);
			return -EINVAL;
		}
	}
	return 0;
}

static void slub_format_flags(__u32 flags, char *buf)
{
	char *p = buf;

	if (flags & AETHER_SLUB_F_CONSISTENCY)
		*p++ = 'F';
	if (flags & AETHER_SLUB_F_RED_ZONE)
		*p++ = 'Z';
	if (flags & AETHER_SLUB_F_POISON)
		*p++ = 'P';
	if (flags & AETHER_SLUB_F_STORE_USER)
		*p++ = 'U';
	if (flags & AETHER_SLUB_F_HWCACHE_ALIGN)
		*p++ = 'H';
	if (p == buf)
		*p++ = '-';
	*p = '\0';
}

static int slub_stats(int fd, __u32 by, __u32 key,
		      struct aether_slub_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->by = by;
	st->key = key;
	return ioctl(fd, AETHER_SLUB_IOC_CACHE_STATS, st) < 0 ? -errno : 0;
}

/* "kernel" for the kernel's own caches, else the creator's uid. */
static const char *slub_format_owner(__u32 owner, char *buf, size_t len)
{
	if (owner == AETHER_SLUB_OWNER_KERNEL)
		return "kernel";
	snprintf(buf, len, "%u", owner);
	return buf;
}

static __u64 slub_errors(const struct aether_slub_cache_stats *st)
{
	__u64 sum = 0;
	unsigned int i;

	for (i = 0; i < AETHER_SLUB_NR_ERRORS; i++)
		sum += st->errors[i];
	return sum;
}

static int slub_cmd_list(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	struct aether_slub_cache_stats st;
	char flags[8], owner[16];
	struct actl_out *t;
	__u32 i;
	int ret;

	(void)ctx;
	if (argc > 1) {
		actl_err("slub list: unexpected argument '%s'", argv[1]);
		return SLUB_USAGE;
	}
	t = out_table("caches", "Caches (cpu hits = allocations served by a CPU's magazine)");
	out_col(t, "name", "name");
	out_col(t, "owner", "owner");
	out_col(t, "object_size", "objsize");
	out_col(t, "slot_size", "slot");
	out_col(t, "flags", "flags");
	out_col(t, "objects", "objects");
	out_col(t, "active", "active");
	out_col(t, "slabs", "slabs");
	out_col(t, "partial", "partial");
	out_col(t, "pages", "pages");
	out_col(t, "cpu_hits", "cpu hits");
	out_col(t, "alloc_slow", "alloc slow");
	out_col(t, "free_fast", "free fast");
	out_col(t, "free_slow", "free slow");
	out_col(t, "errors", "errors");
	for (i = 0; !(ret = slub_stats(fd, AETHER_SLUB_BY_INDEX, i, &st)); i++) {
		out_row(t);
		out_str(t, st.name);
		out_str(t, slub_format_owner(st.owner, owner, sizeof(owner)));
		out_u64(t, st.object_size);
		out_u64(t, st.slot_size);
		slub_format_flags(st.flags, flags);
		out_str(t, flags);
		out_u64(t, st.objects);
		out_u64(t, st.active);
		out_u64(t, st.slabs);
		out_u64(t, st.slabs_partial);
		out_u64(t, st.pages);
		out_u64(t, st.alloc_fast);
		out_u64(t, st.alloc_slow);
		out_u64(t, st.free_fast);
		out_u64(t, st.free_slow + st.free_remote);
		out_u64(t, slub_errors(&st));
	}
	out_flush(t);
	if (ret != -ENOENT) {
		actl_errno(-ret, "CACHE_STATS");
		return ret;
	}
	return 0;
}

static int slub_cmd_info(const struct actl_ctx *ctx, int fd, int argc,
			 char **argv)
{
	struct aether_slub_info info = { .size = sizeof(info) };
	struct actl_out *t;
	char sizes[256];
	size_t used = 0;
	__u32 i;

	(void)ctx;
	if (argc > 1) {
		actl_err("slub info: unexpected argument '%s'", argv[1]);
		return SLUB_USAGE;
	}
	if (actl_ioctl(fd, AETHER_SLUB_IOC_INFO, &info, "INFO"))
		return -EIO;
	sizes[0] = '\0';
	for (i = 0; i < info.nr_kmalloc && i < AETHER_SLUB_NR_KMALLOC; i++)
		used += snprintf(sizes + used, sizeof(sizes) - used, "%s%u",
				 i ? "," : "", info.kmalloc_sizes[i]);
	t = out_kv("info", "aether_slub");
	out_key(t, "nr_caches", "caches");
	out_u64(t, info.nr_caches);
	out_key(t, "nr_kmalloc", "kmalloc size classes");
	out_u64(t, info.nr_kmalloc);
	out_key(t, "kmalloc_sizes", "class sizes (B)");
	out_str(t, sizes);
	out_key(t, "kmalloc_max", "largest class (B)");
	out_u64(t, info.kmalloc_max);
	out_key(t, "empty_max", "empty slabs kept per node");
	out_u64(t, info.empty_max);
	out_key(t, "debug_flags", "debug flags of every cache");
	out_hex(t, info.debug_flags);
	out_key(t, "large_allocs", "large kmallocs live");
	out_u64(t, info.large_allocs);
	out_key(t, "large_pages", "pages they hold");
	out_u64(t, info.large_pages);
	out_key(t, "invalid_kfree", "kfree of foreign memory");
	out_u64(t, info.invalid_kfree);
	out_key(t, "shrink_pages", "pages given back by shrinking");
	out_u64(t, info.shrink_pages);
	out_flush(t);
	return 0;
}

static void slub_print_cache(const struct aether_slub_cache_stats *st)
{
	struct actl_out *t = out_kv("cache", "Cache");
	char flags[8], owner[16];
	unsigned int i;

	slub_format_flags(st->flags, flags);
	out_key(t, "name", "name");
	out_str(t, st->name);
	out_key(t, "owner", "owner (uid, or kernel)");
	out_str(t, slub_format_owner(st->owner, owner, sizeof(owner)));
	out_key(t, "flags", "flags");
	out_str(t, flags);
	out_key(t, "kmalloc", "kmalloc class");
	out_str(t, st->kmalloc ? "yes" : "no");
	out_key(t, "object_size", "object size (B)");
	out_u64(t, st->object_size);
	out_key(t, "slot_size", "slot size (B)");
	out_u64(t, st->slot_size);
	out_key(t, "align", "alignment (B)");
	out_u64(t, st->align);
	out_key(t, "slab_order", "slab order");
	out_u64(t, st->slab_order);
	out_key(t, "objects_per_slab", "objects per slab");
	out_u64(t, st->objects_per_slab);
	out_key(t, "colours", "colours");
	out_u64(t, st->colours);
	out_key(t, "cpu_limit", "objects per CPU (0: debug, none)");
	out_u64(t, st->cpu_limit);
	out_key(t, "slabs", "slabs");
	out_u64(t, st->slabs);
	out_key(t, "slabs_partial", "partial");
	out_u64(t, st->slabs_partial);
	out_key(t, "slabs_full", "full");
	out_u64(t, st->slabs_full);
	out_key(t, "slabs_empty", "empty");
	out_u64(t, st->slabs_empty);
	out_key(t, "objects", "objects");
	out_u64(t, st->objects);
	out_key(t, "active", "active");
	out_u64(t, st->active);
	out_key(t, "cpu_cached", "held by CPUs");
	out_u64(t, st->cpu_cached);
	out_key(t, "pages", "pool pages");
	out_u64(t, st->pages);
	out_key(t, "alloc_fast", "alloc fast (cpu hits)");
	out_u64(t, st->alloc_fast);
	out_key(t, "alloc_slow", "alloc slow");
	out_u64(t, st->alloc_slow);
	out_key(t, "free_fast", "free fast");
	out_u64(t, st->free_fast);
	out_key(t, "free_slow", "free slow");
	out_u64(t, st->free_slow);
	out_key(t, "free_remote", "free of remote-node objects");
	out_u64(t, st->free_remote);
	out_key(t, "refills", "refills");
	out_u64(t, st->refills);
	out_key(t, "flushes", "flushes");
	out_u64(t, st->flushes);
	out_key(t, "slabs_allocated", "slabs from the pool");
	out_u64(t, st->slabs_allocated);
	out_key(t, "slabs_freed", "slabs back to the pool");
	out_u64(t, st->slabs_freed);
	for (i = 0; i < AETHER_SLUB_NR_ERRORS; i++) {
		char key[40];

		snprintf(key, sizeof(key), "errors_%s", slub_err_keys[i]);
		out_key(t, key, key);
		out_u64(t, st->errors[i]);
	}
	out_flush(t);
}

static int slub_cmd_stats(const struct actl_ctx *ctx, int fd, int argc,
			  char **argv)
{
	struct aether_slub_cache_stats st;
	char name[AETHER_SLUB_NAME_LEN + 16], owner[16], *at;
	__u32 i;
	int ret;

	(void)ctx;
	if (argc != 2) {
		actl_err("slub stats: needs one cache NAME or NAME@OWNER (see 'slub list')");
		return SLUB_USAGE;
	}
	/* Names are per owner: NAME@OWNER picks one, NAME the first. */
	snprintf(name, sizeof(name), "%s", argv[1]);
	at = strrchr(name, '@');
	if (at)
		*at++ = '\0';
	for (i = 0; !(ret = slub_stats(fd, AETHER_SLUB_BY_INDEX, i, &st)); i++) {
		if (!strcmp(st.name, name) &&
		    (!at || !strcmp(at, slub_format_owner(st.owner, owner,
							  sizeof(owner))))) {
			slub_print_cache(&st);
			return 0;
		}
	}
	actl_err("no cache '%s'", argv[1]);
	return -ENOENT;
}

struct slub_create_opts {
	__u32 flags;
	__u32 align;
	__u32 alloc;
	unsigned long hold;
};

static int slub_parse_create(int argc, char **argv, struct slub_create_opts *o)
{
	static const struct option opts[] = {
		{ "flags", required_argument, NULL, 'f' },
		{ "align", required_argument, NULL, 'a' },
		{ "alloc", required_argument, NULL, 'n' },
		{ "hold", required_argument, NULL, 'H' },
		{ }
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "f:a:n:H:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (slub_parse_flags(optarg, &o->flags))
				return SLUB_USAGE;
			break;
		case 'a':
			if (actl_parse_int("--align", optarg, 0, 4096, &v))
				return SLUB_USAGE;
			o->align = v;
			break;
		case 'n':
			if (actl_parse_int("--alloc", optarg, 0,
					   AETHER_SLUB_MAX_BULK, &v))
				return SLUB_USAGE;
			o->alloc = v;
			break;
		case 'H':
			if (actl_parse_int("--hold", optarg, 0, 86400, &v))
				return SLUB_USAGE;
			o->hold = v;
			break;
		default:
			return SLUB_USAGE;
		}
	}
	if (argc - optind != 2) {
		actl_err("slub create: needs NAME and SIZE");
		return SLUB_USAGE;
	}
	return 0;
}

static int slub_cmd_create(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	struct aether_slub_create c = { .size = sizeof(c) };
	struct aether_slub_cache_stats st;
	struct slub_create_opts o;
	__u64 *handles = NULL;
	long size;
	int ret;

	ret = slub_parse_create(argc, argv, &o);
	if (ret)
		return ret;
	if (actl_parse_int("SIZE", argv[optind + 1], 1,
			   AETHER_SLUB_MAX_OBJECT, &size))
		return SLUB_USAGE;
	if (strlen(argv[optind]) >= sizeof(c.name)) {
		actl_err("NAME: at most %zu characters", sizeof(c.name) - 1);
		return SLUB_USAGE;
	}
	strcpy(c.name, argv[optind]);
	c.flags = o.flags;
	c.align = o.align;
	c.object_size = size;
	if (actl_ioctl(fd, AETHER_SLUB_IOC_CREATE, &c, "CREATE"))
		return -EIO;
	if (o.alloc) {
		struct aether_slub_alloc a = {
			.size = sizeof(a), .id = c.id, .node = -1,
			.count = o.alloc,
		};

		handles = calloc(o.alloc, sizeof(*handles));
		if (!handles)
			return -ENOMEM;
		a.handles = (uintptr_t)handles;
		ret = actl_ioctl(fd, AETHER_SLUB_IOC_ALLOC, &a, "ALLOC");
	}
	if (!ret && !slub_stats(fd, AETHER_SLUB_BY_ID, c.id, &st))
		slub_print_cache(&st);
	if (!ret)
		slub_hold(o.hold);
	free(handles);
	(void)ctx;
	return ret;
}

static int slub_lookup_trigger(const char *s, __u32 *scenario)
{
	unsigned int i;

	for (i = 0; i < AETHER_SLUB_NR_TRIGGERS; i++) {
		if (!strcmp(s, slub_trigger_names[i])) {
			*scenario = i;
			return 0;
		}
	}
	actl_err("SCENARIO: '%s' is not double-free, invalid-free, redzone, write-after-free or redzone-left",
		 s);
	return -EINVAL;
}

static int slub_cmd_trigger(const struct actl_ctx *ctx, int fd, int argc,
			    char **argv)
{
	struct aether_slub_create c = { .size = sizeof(c) };
	struct aether_slub_trigger t = { .size = sizeof(t) };
	struct aether_slub_cache_stats st;
	struct actl_out *o;

	(void)ctx;
	if (argc != 2 || slub_lookup_trigger(argv[1], &t.scenario))
		return SLUB_USAGE;
	snprintf(c.name, sizeof(c.name), "aetherctl-%d", (int)getpid());
	c.flags = AETHER_SLUB_F_DEBUG;
	c.object_size = 64;
	if (actl_ioctl(fd, AETHER_SLUB_IOC_CREATE, &c, "CREATE"))
		return -EIO;
	t.id = c.id;
	if (actl_ioctl(fd, AETHER_SLUB_IOC_TRIGGER, &t, "TRIGGER"))
		return -EIO;
	o = out_kv("trigger", "Debug scenario (see the kernel log for the report)");
	out_key(o, "scenario", "scenario");
	out_str(o, slub_trigger_names[t.scenario]);
	out_key(o, "cache", "cache");
	out_str(o, c.name);
	out_key(o, "detected", "reports");
	out_u64(o, t.detected);
	if (!slub_stats(fd, AETHER_SLUB_BY_ID, c.id, &st)) {
		out_key(o, "errors", "errors counted");
		out_u64(o, slub_errors(&st));
	}
	out_flush(o);
	return t.detected ? 0 : -EIO;
}

static int slub_cmd_shrink(const struct actl_ctx *ctx, int fd, int argc,
			   char **argv)
{
	struct aether_slub_shrink s = { .size = sizeof(s) };
	struct actl_out *t;

	(void)ctx;
	if (argc > 1) {
		actl_err("slub shrink: unexpected argument '%s'", argv[1]);
		return SLUB_USAGE;
	}
	if (actl_ioctl(fd, AETHER_SLUB_IOC_SHRINK, &s, "SHRINK"))
		return -EIO;
	t = out_kv("shrink", "Shrink");
	out_key(t, "pages", "pages given back to the pool");
	out_u64(t, s.pages);
	out_flush(t);
	return 0;
}

static const struct actl_cmd slub_cmds[] = {
	{ "list", slub_cmd_list, "",
	  "your caches (root: all), like /proc/slabinfo" },
	{ "info", slub_cmd_info, "", "size classes and module-wide counters" },
	{ "stats", slub_cmd_stats, "NAME[@OWNER]", "one cache in detail" },
	{ "create", slub_cmd_create,
	  "NAME SIZE [--flags FZPUH] [--align N] [--alloc N] [--hold S]",
	  "make a cache (it lives as long as this command), show it" },
	{ "trigger", slub_cmd_trigger,
	  "double-free|invalid-free|redzone|redzone-left|write-after-free",
	  "commit one error on a debug cache and show it caught (root)" },
	{ "shrink", slub_cmd_shrink, "",
	  "give every empty slab back to the pool (root)" },
	{ "bench", slub_cmd_bench,
	  "[--op pair|bulk|cross] [--size N] [--batch N] [--threads N] [--rounds N] [--iterations N] [--zero] [--repeat N] [--all]",
	  "aether_slub against Linux's kmem_cache, in the kernel (root)" },
};

const struct actl_module actl_slub_module = {
	.name = "slub",
	.summary = "the object caches (/dev/aether_slub)",
	.device = SLUB_DEVICE,
	.module = "aether_slub",
	.cmds = slub_cmds,
	.nr_cmds = ARRAY_SIZE(slub_cmds),
};

/* Sleep @seconds (0: not at all); Ctrl-C ends it early. */
void slub_hold(unsigned long seconds)
{
	if (!seconds)
		return;
	out_note("holding for %lu s (Ctrl-C to end)", seconds);
	actl_hold(seconds);
}
