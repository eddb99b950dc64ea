/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aether_fuzz.h - what the parts of the fuzzer share
 *
 * aether_fuzz.c drives the threads and fuzzes ioctls from the generated
 * table; fuzz_region.c owns the fds that commands hand out (region fds),
 * their mappings, and the mmap/munmap/mprotect/touch/fork operations on
 * them; fuzz_zram.c keeps the block devices that aether_zram's ADD makes
 * bounded, away from the devices that were there before, and removes them
 * at the end; fuzz_dedupe.c sets aether_dedupe's tunables back after it.
 */
#ifndef AETHER_FUZZ_H
#define AETHER_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

enum fz_role {
	FZ_PLAIN, FZ_SIZE, FZ_RESERVED, FZ_FLAGS, FZ_PTR, FZ_HANDLE,
	FZ_COUNT, FZ_NODE, FZ_ORDER, FZ_FD, FZ_PFN, FZ_STRING,
	FZ_BYTES,	/* a length or offset in bytes */
	FZ_NAME,	/* user pointer to a NUL-terminated name */
	FZ_NEWFD,	/* (out) an fd the command hands out */
};

struct fz_field {
	const char *name;
	unsigned short off;
	unsigned short len;
	enum fz_role role;
};

/*
 * One command.  @on: the kind of fd it is meant for ("region"), NULL for
 * its module's device; @makes: the kind of fd it hands out, or NULL.
 */
struct fz_ioctl {
	const char *mod;
	const char *name;
	unsigned long cmd;
	const struct fz_field *fields;
	unsigned int nr_fields;
	const char *on;
	const char *makes;
};

#define FZ_FIELD(type, m, r) \
	{ #m, offsetof(type, m), sizeof(((type *)0)->m), r }
#define FZ_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define FZ_PAGE		4096UL
#define FZ_KERNEL_PTR	0xffff888000000000ULL

/* Results, in a shared mapping so the parent sums its children. */
struct fz_result {
	unsigned long calls;
	unsigned long ok;
	unsigned long by_errno[256];
	unsigned long unclean;
	unsigned long opens;
	unsigned long open_denied;
	int first_unclean_errno;
	char first_unclean[96];
	/* fds handed out by commands, and what was done with them */
	unsigned long newfds;
	unsigned long maps;
	unsigned long touches;
	unsigned long sigsegv;
	unsigned long sigbus;
	unsigned long forks;
	unsigned long bad_children;
	char first_bad_child[96];
	/* block devices of aether_zram the run made (fuzz_zram.c) */
	unsigned long zram_added;
	unsigned long zram_held_back;
	/* calls made by the root process [0] and the unprivileged one [1] */
	unsigned long calls_by[2];
	unsigned int unpriv_uid;
};

extern struct fz_result *fz_res;
extern bool fz_privileged;
extern unsigned int fz_who;

/* xorshift64*: each thread has its own state. */
static inline uint64_t fz_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline unsigned int fz_below(uint64_t *s, unsigned int n)
{
	return n ? fz_rand(s) % n : 0;
}

void fz_account(const char *name, long ret, int err);

/* fuzz_region.c */
#define FZ_KIND_NONE	(-1)

int fz_kind_of(const char *kind);
const char *fz_kind_name(int kind);
int fz_region_init(void);
void fz_region_exit(void);
int fz_obj_pick(uint64_t *s, int *kind);
int fz_obj_stale(uint64_t *s);
void fz_obj_install(int kind, int fd);
void fz_obj_close_one(uint64_t *s);
void fz_obj_dup_one(uint64_t *s);
bool fz_obj_known(int fd);
uint64_t fz_map_addr(uint64_t *s);
void fz_maps_read_lock(void);
void fz_maps_unlock(void);
void fz_name(uint64_t *s, char *buf, unsigned int len);
void fz_region_op(uint64_t *s, int dev_fd);

/* fuzz_zram.c */
void fz_zram_init(void);
bool fz_zram_steer(uint64_t *s, const struct fz_ioctl *to,
		   unsigned char *area, unsigned long room, unsigned long arg,
		   bool *held);
void fz_zram_after(bool held, long ret);
int fz_zram_cleanup(void);

/* fuzz_dedupe.c */
void fz_dedupe_init(void);
void fz_dedupe_steer(uint64_t *s, const struct fz_ioctl *to,
		     unsigned char *area, unsigned long room, unsigned long arg);
int fz_dedupe_cleanup(void);

/* fuzz_qos.c */
void fz_qos_init(void);
void fz_qos_steer(uint64_t *s, const struct fz_ioctl *to,
		  unsigned char *area, unsigned long room, unsigned long arg);
int fz_qos_cleanup(void);

#endif /* AETHER_FUZZ_H */
