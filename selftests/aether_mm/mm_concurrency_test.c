// SPDX-License-Identifier: GPL-2.0
/*
 * mm_concurrency_test.c - both CPUs allocating at once
 *
 * One thread pinned to each of the first two CPUs runs alloc, fill, verify,
 * free loops with the fd's LOCAL policy.  Variants: both threads on one fd,
 * each on its own fd, and a hand-off where one CPU allocates and fills and
 * the other verifies and frees (so blocks go back through the other CPU's
 * list).  No block may be corrupted, and once every thread is done the
 * pool's accounting is back where it started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "aether_mm_util.h"

#define LOOPS		400
#define PER_LOOP	4
#define RING		64

enum smp_mode { SMP_SHARED_FD, SMP_OWN_FD, SMP_HANDOFF };

struct smp_thread {
	int cpu;
	int fd;
	int id;
	struct smp_ring *ring;
	/* results */
	int err;		/* first -errno seen */
	const char *where;	/* which call failed */
	__u64 mismatches;
	__u64 allocated;
	__u64 freed;
	__u32 node_seen[AETHER_MM_MAX_NODES];
};

/* Single producer, single consumer ring of (handle, seed). */
struct smp_ring {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	__u64 handle[RING], seed[RING];
	unsigned int head, tail;
	bool done;
};

static void smp_fail(struct smp_thread *t, int err, const char *where)
{
	if (!t->err) {
		t->err = err;
		t->where = where;
	}
}

static __u64 smp_seed(struct smp_thread *t, unsigned int loop, unsigned int i)
{
	return ((__u64)t->id << 56) ^ ((__u64)loop << 8) ^ i;
}

static void smp_check(struct smp_thread *t, __u64 h, __u64 seed)
{
	struct aether_mm_block_info bi;
	__u64 mism;
	int ret;

	ret = aemt_verify(t->fd, h, seed, &mism);
	if (ret) {
		smp_fail(t, ret, "verify");
		return;
	}
	t->mismatches += mism;
	ret = aemt_block_info(t->fd, h, &bi);
	if (ret) {
		smp_fail(t, ret, "block_info");
		return;
	}
	if (bi.node < AETHER_MM_MAX_NODES)
		t->node_seen[bi.node]++;
}

/* Allocate PER_LOOP blocks, fill each, verify each, free them together. */
static void *smp_worker(void *arg)
{
	struct smp_thread *t = arg;
	__u64 h[PER_LOOP];
	unsigned int loop, i;
	int ret;

	ret = aemt_pin_cpu(t->cpu);
	if (ret)
		smp_fail(t, ret, "pin");
	for (loop = 0; loop < LOOPS && !t->err; loop++) {
		__u32 count = PER_LOOP, order = loop % 4;

		ret = aemt_alloc(t->fd, loop & 1 ? AETHER_MM_ALLOC_ZERO : 0,
				 order, -1, AEMT_ALL_ZONES, loop % 3, h,
				 &count);
		if (ret) {
			smp_fail(t, ret, "alloc");
			break;
		}
		t->allocated += count;
		for (i = 0; i < count; i++) {
			ret = aemt_fill(t->fd, h[i], smp_seed(t, loop, i));
			if (ret)
				smp_fail(t, ret, "fill");
		}
		for (i = 0; i < count; i++)
			smp_check(t, h[i], smp_seed(t, loop, i));
		ret = aemt_free(t->fd, h, count);
		if (ret)
			smp_fail(t, ret, "free");
		else
			t->freed += count;
	}
	return NULL;
}

static void *smp_producer(void *arg)
{
	struct smp_thread *t = arg;
	struct smp_ring *r = t->ring;
	unsigned int loop;
	__u64 h, seed;
	int ret;

	ret = aemt_pin_cpu(t->cpu);
	if (ret)
		smp_fail(t, ret, "pin");
	for (loop = 0; loop < LOOPS * PER_LOOP && !t->err; loop++) {
		ret = aemt_alloc1(t->fd, 0, loop % 3, -1, AEMT_ALL_ZONES, &h);
		if (ret) {
			smp_fail(t, ret, "alloc");
			break;
		}
		t->allocated++;
		seed = smp_seed(t, loop, 0);
		ret = aemt_fill(t->fd, h, seed);
		if (ret)
			smp_fail(t, ret, "fill");
		pthread_mutex_lock(&r->lock);
		while (r->head - r->tail == RING)
			pthread_cond_wait(&r->cond, &r->lock);
		r->handle[r->head % RING] = h;
		r->seed[r->head % RING] = seed;
		r->head++;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
	pthread_mutex_lock(&r->lock);
	r->done = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void *smp_consumer(void *arg)
{
	struct smp_thread *t = arg;
	struct smp_ring *r = t->ring;
	__u64 h, seed;
	int ret;

	ret = aemt_pin_cpu(t->cpu);
	if (ret)
		smp_fail(t, ret, "pin");
	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (r->head == r->tail && !r->done)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->head == r->tail) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		h = r->handle[r->tail % RING];
		seed = r->seed[r->tail % RING];
		r->tail++;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);

		smp_check(t, h, seed);
		ret = aemt_free1(t->fd, h);
		if (ret)
			smp_fail(t, ret, "free");
		else
			t->freed++;
	}
	return NULL;
}

FIXTURE(smp) {
	int fd;
	struct aether_mm_pool_info pi;
};

FIXTURE_VARIANT(smp) {
	enum smp_mode mode;
};

FIXTURE_VARIANT_ADD(smp, shared_fd) {
	.mode = SMP_SHARED_FD,
};

FIXTURE_VARIANT_ADD(smp, own_fd) {
	.mode = SMP_OWN_FD,
};

FIXTURE_VARIANT_ADD(smp, handoff) {
	.mode = SMP_HANDOFF,
};

FIXTURE_SETUP(smp)
{
	AEMT_SETUP_OPEN(self->fd);
	if (aemt_nr_cpus() < 2)
		AEMT_SETUP_SKIP("needs two CPUs");
	ASSERT_EQ(0, aemt_pool_info(self->fd, &self->pi));
}

FIXTURE_TEARDOWN(smp)
{
	if (self->fd >= 0)
		close(self->fd);
}

static __u64 smp_used(struct __test_metadata *_metadata, int fd)
{
	struct aether_mm_pool_info pi;

	EXPECT_EQ(0, aemt_drain(fd));
	EXPECT_EQ(0, aemt_pool_info(fd, &pi));
	return pi.pages_total - pi.pages_free - pi.pages_reserved;
}

TEST_F_TIMEOUT(smp, both_cpus_alloc_fill_verify_free, 300)
{
	struct smp_ring ring = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	struct smp_thread t[2];
	struct aether_mm_stats st0, st1;
	pthread_t tid[2];
	__u64 used, allocated = 0, freed = 0;
	int i, cpu0_node, cpu1_node;

	cpu0_node = aemt_cpu_node(0);
	cpu1_node = aemt_cpu_node(1);
	used = smp_used(_metadata, self->fd);
	ASSERT_EQ(0, aemt_stats(self->fd, &st0));

	memset(t, 0, sizeof(t));
	for (i = 0; i < 2; i++) {
		t[i].cpu = i;
		t[i].id = i + 1;
		t[i].ring = &ring;
		t[i].fd = variant->mode == SMP_OWN_FD ? aemt_open() : self->fd;
		ASSERT_LE(0, t[i].fd);
	}
	for (i = 0; i < 2; i++) {
		void *(*fn)(void *) = smp_worker;

		if (variant->mode == SMP_HANDOFF)
			fn = i ? smp_consumer : smp_producer;
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, fn, &t[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, t[i].err) TH_LOG("thread %d: %s: %s", i,
					      t[i].where, strerror(-t[i].err));
		ASSERT_EQ(0, t[i].mismatches) TH_LOG("thread %d", i);
		allocated += t[i].allocated;
		freed += t[i].freed;
	}
	ASSERT_EQ(2ULL * LOOPS * PER_LOOP, variant->mode == SMP_HANDOFF ?
		  2 * allocated : allocated);
	ASSERT_EQ(allocated, freed);

	/* LOCAL policy: a thread's blocks are mostly on its CPU's node. */
	if (variant->mode != SMP_HANDOFF && cpu0_node >= 0 && cpu1_node >= 0 &&
	    cpu0_node != cpu1_node && self->pi.nr_nodes > 1) {
		ASSERT_LT(t[0].allocated / 2, t[0].node_seen[cpu0_node]);
		ASSERT_LT(t[1].allocated / 2, t[1].node_seen[cpu1_node]);
	}

	if (variant->mode == SMP_OWN_FD)
		for (i = 0; i < 2; i++)
			close(t[i].fd);
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_LE(allocated, st1.alloc - st0.alloc);
	ASSERT_EQ(st1.alloc - st0.alloc, st1.free - st0.free);
	ASSERT_EQ(used, smp_used(_metadata, self->fd));
}

/*
 * Two processes, one per CPU, run bulk ALLOC/FREE of order 0 at once,
 * through the inherited fd (or their own with own_fd).
 */
TEST_F_TIMEOUT(smp, both_cpus_bulk_order0, 300)
{
	struct aether_mm_stats st0, st1;
	__u64 used = smp_used(_metadata, self->fd);
	int status[2];
	pid_t pid[2];
	int i;

	ASSERT_EQ(0, aemt_stats(self->fd, &st0));
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			static __u64 h[256];
			unsigned int loop;
			__u32 count;
			int fd = self->fd;

			if (variant->mode == SMP_OWN_FD)
				fd = aemt_open();
			if (fd < 0 || aemt_pin_cpu(i))
				_exit(2);
			for (loop = 0; loop < 64; loop++) {
				count = 32 + loop * 3;
				if (aemt_alloc(fd, 0, 0, -1,
					       AEMT_ALL_ZONES,
					       AETHER_MM_MT_MOVABLE, h, &count))
					_exit(3);
				if (aemt_free(fd, h, count))
					_exit(4);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status[i], 0));
		ASSERT_TRUE(WIFEXITED(status[i]));
		ASSERT_EQ(0, WEXITSTATUS(status[i])) TH_LOG("child %d", i);
	}
	ASSERT_EQ(0, aemt_stats(self->fd, &st1));
	ASSERT_EQ(st1.alloc - st0.alloc, st1.free - st0.free);
	ASSERT_EQ(used, smp_used(_metadata, self->fd));
}

TEST_HARNESS_MAIN
