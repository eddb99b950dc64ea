// SPDX-License-Identifier: GPL-2.0
/*
 * slub_smp_test.c - both CPUs allocating and freeing crosswise
 *
 * Two threads, pinned to the first two CPUs, share one fd.  Each allocates
 * batches of objects, fills each with its own seed and hands the batch to
 * the other thread through a ring; the other verifies every byte and frees
 * the batch on its own CPU.  So every object is freed on another CPU (and,
 * in the box, another node) than the one that allocated it, while both
 * CPUs allocate at once.  Variants: a cache of 192 bytes, one of 1000
 * bytes, and kmalloc of mixed sizes.  No object may be corrupted, and at
 * the end the cache has nothing in use and validates clean.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "aether_slub_util.h"

#define LOOPS		150
#define BATCH		16
#define RING		8	/* batches in flight */

struct xring {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	__u64 h[RING][BATCH];
	__u64 seed[RING];
	unsigned int head, tail;
	bool dead;		/* a thread stopped: nobody waits on it */
};

struct xthread {
	int cpu, fd, id;
	__u32 cache_id;
	__u32 kmsize;
	struct xring *out, *in;
	int err;
	const char *where;
	__u64 mismatches, allocated, freed;
};

static void xfail(struct xthread *t, int err, const char *where)
{
	if (!t->err) {
		t->err = err;
		t->where = where;
	}
}

static void xpush(struct xring *r, const __u64 *h, __u64 seed)
{
	pthread_mutex_lock(&r->lock);
	while (r->head - r->tail == RING && !r->dead)
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->dead) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	memcpy(r->h[r->head % RING], h, sizeof(r->h[0]));
	r->seed[r->head % RING] = seed;
	r->head++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static bool xpop(struct xring *r, __u64 *h, __u64 *seed, bool wait)
{
	bool got = false;

	pthread_mutex_lock(&r->lock);
	while (wait && r->head == r->tail && !r->dead)
		pthread_cond_wait(&r->cond, &r->lock);
	if (r->head != r->tail) {
		memcpy(h, r->h[r->tail % RING], sizeof(r->h[0]));
		*seed = r->seed[r->tail % RING];
		r->tail++;
		got = true;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	return got;
}

/*
 * A thread that stops early (an allocation failed: fault injection runs
 * this program too) says so on both rings, so that the other one, which
 * may wait for a batch or for room, stops too instead of waiting for
 * ever; the test then fails on the error.
 */
static void xstop(struct xthread *t)
{
	struct xring *r[2] = { t->out, t->in };
	int i;

	for (i = 0; i < 2; i++) {
		pthread_mutex_lock(&r[i]->lock);
		r[i]->dead = true;
		pthread_cond_broadcast(&r[i]->cond);
		pthread_mutex_unlock(&r[i]->lock);
	}
}

/* Verify and free one batch the other thread allocated. */
static void xconsume(struct xthread *t, const __u64 *h, __u64 seed)
{
	__u64 mism;
	int i, ret;

	for (i = 0; i < BATCH; i++) {
		ret = aslt_verify(t->fd, h[i], seed + i, &mism);
		if (ret)
			xfail(t, ret, "verify");
		else
			t->mismatches += mism;
	}
	ret = aslt_free(t->fd, h, BATCH);
	if (ret)
		xfail(t, ret, "free");
	else
		t->freed += BATCH;
}

static void *xworker(void *arg)
{
	struct xthread *t = arg;
	__u64 h[BATCH], seed, in[BATCH], iseed;
	unsigned int loop, consumed = 0;
	__u32 n, size;
	int i, ret;

	ret = aslt_pin_cpu(t->cpu);
	if (ret)
		xfail(t, ret, "pin");
	for (loop = 0; loop < LOOPS; loop++) {
		n = BATCH;
		size = t->kmsize ? 1 + (loop * 37 + t->id * 11) % t->kmsize : 0;
		ret = aslt_alloc(t->fd, t->cache_id, size, -1, 0, h, &n);
		if (ret || n != BATCH) {
			xfail(t, ret ? ret : -ENOMEM, "alloc");
			break;
		}
		t->allocated += n;
		seed = ((__u64)t->id << 48) ^ ((__u64)loop << 16);
		for (i = 0; i < BATCH; i++) {
			ret = aslt_fill(t->fd, h[i], seed + i);
			if (ret)
				xfail(t, ret, "fill");
		}
		xpush(t->out, h, seed);
		while (xpop(t->in, in, &iseed, false)) {
			xconsume(t, in, iseed);
			consumed++;
		}
	}
	/* The other thread hands over LOOPS batches in all, unless it stops. */
	while (consumed < LOOPS && !t->err) {
		if (!xpop(t->in, in, &iseed, true))
			break;
		xconsume(t, in, iseed);
		consumed++;
	}
	if (t->err || consumed < LOOPS)
		xstop(t);
	return NULL;
}

FIXTURE(smp)
{
	int fd;
	__u32 id;
};

FIXTURE_VARIANT(smp)
{
	__u32 object_size;	/* 0: kmalloc */
	__u32 kmsize;		/* kmalloc sizes 1..kmsize */
};

FIXTURE_VARIANT_ADD(smp, cache_192)
{
	.object_size = 192,
};

FIXTURE_VARIANT_ADD(smp, cache_1000)
{
	.object_size = 1000,
};

FIXTURE_VARIANT_ADD(smp, kmalloc_mixed)
{
	.kmsize = 3000,
};

FIXTURE_SETUP(smp)
{
	char name[AETHER_SLUB_NAME_LEN];
	struct aether_slub_create c;

	self->fd = aslt_open();
	if (self->fd == -ENOENT)
		ASLT_SETUP_SKIP("no %s (aether_slub not loaded)", ASLT_DEV);
	ASSERT_LE(0, self->fd);
	if (aslt_nr_cpus() < 2)
		ASLT_SETUP_SKIP("needs two CPUs");
	self->id = 0;
	if (variant->object_size) {
		aslt_name(name, "smp");
		ASSERT_EQ(0, aslt_create(self->fd, name, variant->object_size,
					 0, 0, &c));
		self->id = c.id;
	}
}

FIXTURE_TEARDOWN(smp)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(smp, crosswise_alloc_and_free_keeps_every_byte)
{
	struct xring ring[2];
	struct xthread t[2];
	struct aether_slub_cache_stats st;
	pthread_t tid[2];
	__u32 errors = 1;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&ring[i], 0, sizeof(ring[i]));
		pthread_mutex_init(&ring[i].lock, NULL);
		pthread_cond_init(&ring[i].cond, NULL);
	}
	for (i = 0; i < 2; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].cpu = i;
		t[i].fd = self->fd;
		t[i].id = i + 1;
		t[i].cache_id = self->id;
		t[i].kmsize = variant->kmsize;
		t[i].out = &ring[i];
		t[i].in = &ring[!i];
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, xworker, &t[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < 2; i++) {
		if (t[i].err)
			TH_LOG("thread %d: %s: %s", i, t[i].where,
			       strerror(-t[i].err));
		ASSERT_EQ(0, t[i].err);
		ASSERT_EQ(0, t[i].mismatches);
		ASSERT_EQ(LOOPS * BATCH, t[i].allocated);
		ASSERT_EQ(LOOPS * BATCH, t[i].freed);
	}
	if (!self->id)
		return;
	ASSERT_EQ(0, aslt_stats(self->fd, AETHER_SLUB_BY_ID, self->id, &st));
	ASSERT_EQ(0, st.active);
	ASSERT_EQ(2 * LOOPS * BATCH, st.free_fast + st.free_slow +
				     st.free_remote);
	TH_LOG("fast %llu slow %llu remote %llu refills %llu flushes %llu",
	       st.free_fast, st.free_slow, st.free_remote, st.refills,
	       st.flushes);
	ASSERT_EQ(0, aslt_validate(self->fd, self->id, &errors));
	ASSERT_EQ(0, errors);
	ASSERT_EQ(0, aslt_destroy(self->fd, self->id, NULL));
}

TEST_HARNESS_MAIN
